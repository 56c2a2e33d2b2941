package io.corral.dashboard;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Watches this member's model requests from the outside (first handler of the API router): when each one ends
 * it counts it for the member, for the backend that served it ({@code X-Corral-Backend}) and for the app that
 * sent it ({@code X-Corral-App}), with total latency and time to first byte. The routing code needs no change to
 * be observed, and the tap adds no cluster call to the request path.
 *
 * <p>Time to first byte is measured to the moment the response headers leave (the proxy writes them with the
 * backend's first body byte), minus the time spent waiting in the queue ({@code X-Corral-Queue-Ms}), so it
 * describes the backend rather than the queue.
 *
 * <p>Thread-safety: requests end on several event loops; the counters are guarded by this object's monitor
 * (a few array writes per request).
 */
public final class TrafficTap implements Handler<RoutingContext> {

  public static final String APP_HEADER = "X-Corral-App";
  static final Set<String> MODEL_PATHS = Set.of("/api/chat", "/api/generate", "/api/embed", "/api/embeddings",
      "/v1/chat/completions", "/v1/completions", "/v1/embeddings");
  private static final Pattern APP_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._:/@+-]{0,99}");
  /** Distinct backends tracked; beyond it new names are folded into "other" (memory stays bounded). */
  private static final int MAX_NAMES = 500;
  /**
   * Distinct app names tracked: the header is any client's text, and this member posts them all to the cluster
   * every second. When full, names idle for {@link #IDLE_NAME_MILLIS} make room; otherwise they fold into "other".
   */
  static final int MAX_APP_NAMES = 100;
  static final long IDLE_NAME_MILLIS = 10 * 60_000;

  /** A request that failed on this member, for the event stream. */
  public record Failure(String route, String backend, String app, int status) {}

  private final InstantSource clock;
  private final Tally member = new Tally();
  private final Tally memberTtft = new Tally();
  private final Map<String, Tally> backends = new HashMap<>();
  private final Map<String, Tally> apps = new HashMap<>();
  private volatile Consumer<Failure> failures = f -> { };

  public TrafficTap(InstantSource clock) {
    this.clock = clock;
  }

  /** Called (on an event loop) for every request that ends with a server-side error. Must not block. */
  public void onFailure(Consumer<Failure> listener) {
    this.failures = listener;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (ctx.request().method() == HttpMethod.POST && MODEL_PATHS.contains(ctx.request().path())) {
      long start = System.nanoTime();
      String app = appOf(ctx.request().getHeader(APP_HEADER));
      long[] headersAt = {-1};
      ctx.addHeadersEndHandler(v -> headersAt[0] = System.nanoTime());
      ctx.addBodyEndHandler(v -> ended(ctx, app, start, headersAt[0]));
    }
    ctx.next();
  }

  /** The app name from the header, or null when absent or not a plausible name. */
  static String appOf(String header) {
    if (header == null) {
      return null;
    }
    String name = header.trim();
    return APP_NAME.matcher(name).matches() ? name : null;
  }

  private void ended(RoutingContext ctx, String app, long start, long headersAt) {
    long end = System.nanoTime();
    int status = ctx.response().getStatusCode();
    String backend = ctx.response().headers().get("X-Corral-Backend");
    long ttft = -1;
    if (backend != null && headersAt > 0 && status < 400) {
      ttft = Math.max(0, headersAt - start - queueNanos(ctx.response().headers().get("X-Corral-Queue-Ms")));
    }
    record(ctx.request().path(), backend, app, status, end - start, ttft);
    if (status >= 500) {
      failures.accept(new Failure(ctx.request().path(), backend, app, status));
    }
  }

  /** Records one finished request (also the entry point for tests). */
  public void record(String route, String backend, String app, int status, long totalNanos, long ttftNanos) {
    long now = clock.millis();
    boolean error = status >= 500 || status == 429;
    synchronized (this) {
      member.record(now, error, totalNanos);
      if (ttftNanos >= 0) {
        memberTtft.record(now, false, ttftNanos);
      }
      if (backend != null) {
        named(backends, backend).record(now, status >= 500, ttftNanos);
      }
      if (app != null) {
        named(apps, app, MAX_APP_NAMES, now).record(now, error, totalNanos);
      }
    }
  }

  /** One finished stream's generation speed on {@code backend}: tokens after the first, over {@code nanos}. */
  public void recordTokens(String backend, long tokens, long nanos) {
    long now = clock.millis();
    synchronized (this) {
      named(backends, backend).recordTokens(now, tokens, nanos);
    }
  }

  private static Tally named(Map<String, Tally> map, String name) {
    return named(map, name, MAX_NAMES, Long.MIN_VALUE);
  }

  /** The tally of {@code name}; past {@code max} names, idle ones go first, then new names count as "other". */
  private static Tally named(Map<String, Tally> map, String name, int max, long now) {
    Tally t = map.get(name);
    if (t == null) {
      if (map.size() >= max && now != Long.MIN_VALUE) {
        map.entrySet().removeIf(e -> !e.getKey().equals("other")
            && now - e.getValue().lastSeenMillis > IDLE_NAME_MILLIS);
      }
      if (map.size() >= max) {
        return map.computeIfAbsent("other", k -> new Tally());
      }
      t = new Tally();
      map.put(name, t);
    }
    return t;
  }

  private static long queueNanos(String header) {
    if (header == null) {
      return 0;
    }
    try {
      return Long.parseLong(header.trim()) * 1_000_000L;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** This member's traffic as posted to the cluster: requests, ttft, per backend and per app. */
  public JsonObject toJson() {
    long now = clock.millis();
    synchronized (this) {
      JsonObject b = new JsonObject();
      backends.forEach((id, t) -> b.put(id, t.toJson(now)));
      JsonObject a = new JsonObject();
      apps.forEach((name, t) -> a.put(name, t.toJson(now)));
      return new JsonObject().put("requests", member.toJson(now)).put("ttft", memberTtft.toJson(now))
          .put("backends", b).put("apps", a);
    }
  }
}
