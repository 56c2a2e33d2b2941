package io.corral.router.api;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * First handler of every request: takes the client's {@code X-Request-Id} (or makes one) and stamps the
 * response with it and with {@code X-Corral-Member}, so every corral response says which member answered.
 */
public final class RequestIds implements Handler<RoutingContext> {

  public static final String KEY = "corral.requestId";
  private static final String GONE_KEY = "corral.clientGone";
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:/+=-]{1,128}");

  private final String memberName;

  public RequestIds(String memberName) {
    this.memberName = memberName;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String id = ctx.request().getHeader("X-Request-Id");
    if (id == null || !SAFE.matcher(id).matches()) {
      id = UUID.randomUUID().toString();
    }
    ctx.put(KEY, id);
    ctx.response().putHeader("X-Request-Id", id).putHeader("X-Corral-Member", memberName);
    ctx.next();
  }

  /**
   * Completes when the client disconnects before its response ended. The one close handler of the response;
   * everything else that cares (the queue, the proxy) listens to this future.
   */
  public static Future<Void> clientGone(RoutingContext ctx) {
    Future<Void> existing = ctx.get(GONE_KEY);
    if (existing != null) {
      return existing;
    }
    Promise<Void> gone = Promise.promise();
    ctx.response().closeHandler(v -> gone.tryComplete());
    ctx.put(GONE_KEY, gone.future());
    return gone.future();
  }

  public static String of(RoutingContext ctx) {
    String id = ctx.get(KEY);
    return id == null ? "-" : id;
  }
}
