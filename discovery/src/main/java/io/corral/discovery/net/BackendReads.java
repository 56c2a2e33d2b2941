package io.corral.discovery.net;

import io.corral.cluster.backends.BackendId;
import io.corral.cluster.backends.BackendOrigin;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.TimeoutException;

/**
 * Reads small answers from backends (probes, model listings) without trusting them: connects only where
 * {@link BackendAddresses} allows, stops reading at a size cap (the connection is reset, so the rest is never read),
 * and gives up after a deadline for the whole answer (a backend sending a byte a second cannot hold a probe). What a
 * backend says is input to the cluster's shared state and to every client's listing: a 400 MB {@code /api/tags} must
 * not put members out of memory.
 *
 * <p>Thread-safe; call from an event loop (it never blocks).
 */
public final class BackendReads {

  /** Model listings and server properties: far above a real fleet's (a few KB per model). */
  public static final long LISTING_LIMIT = 4L << 20;
  /** Version and health answers: a few hundred bytes in practice. */
  public static final long SMALL_LIMIT = 64L << 10;

  private final Vertx vertx;
  private final HttpClient client;
  private final BackendAddresses addresses;

  public BackendReads(Vertx vertx, HttpClient client, BackendAddresses addresses) {
    this.vertx = vertx;
    this.client = client;
    this.addresses = addresses;
  }

  /** Reads with no range check (the operator's own tools). */
  public static BackendReads unrestricted(Vertx vertx, HttpClient client) {
    return new BackendReads(vertx, client, BackendAddresses.unrestricted(vertx));
  }

  /**
   * {@code GET path} from {@code id}; fails with {@link AnswerTooLarge} past {@code limit} bytes, with a
   * {@link TimeoutException} past {@code timeoutMillis} for the whole exchange, with
   * {@link BackendAddresses.BackendNotAllowed} outside the allowed ranges.
   */
  public Future<BackendAnswer> get(BackendId id, BackendOrigin origin, String path, long limit, long timeoutMillis) {
    return addresses.resolve(id, origin).compose(server -> {
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setServer(server)
          .setHost(id.host()).setPort(id.port()).setSsl(id.ssl()).setURI(path).setConnectTimeout(timeoutMillis);
      Promise<BackendAnswer> answer = Promise.promise();
      long timer = vertx.setTimer(Math.max(1, timeoutMillis), t -> answer.tryFail(new TimeoutException(
          "GET " + path + " took longer than " + timeoutMillis + " ms")));
      client.request(options).onFailure(answer::tryFail).onSuccess(request -> {
        answer.future().onFailure(err -> request.reset());
        request.send().onFailure(answer::tryFail).onSuccess(response -> {
          long declared = declaredLength(response.getHeader("Content-Length"));
          if (declared > limit) {
            answer.tryFail(new AnswerTooLarge(path, limit));
            return;
          }
          Buffer body = Buffer.buffer();
          response.handler(chunk -> {
            if (body.length() + (long) chunk.length() > limit) {
              answer.tryFail(new AnswerTooLarge(path, limit));
            } else if (!answer.future().isComplete()) {
              body.appendBuffer(chunk);
            }
          });
          response.exceptionHandler(answer::tryFail);
          response.endHandler(v -> answer.tryComplete(new BackendAnswer(response.statusCode(),
              MultiMap.caseInsensitiveMultiMap().addAll(response.headers()), body)));
        });
      });
      return answer.future().onComplete(done -> vertx.cancelTimer(timer));
    });
  }

  private static long declaredLength(String header) {
    try {
      return header == null ? -1 : Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** What a backend answered, whole (under the cap). */
  public record BackendAnswer(int status, MultiMap headers, Buffer body) {
    /** The body as JSON (an object or array), or null when it is not JSON. */
    public Object json() {
      try {
        return body.length() == 0 ? null : body.toJsonValue();
      } catch (RuntimeException notJson) {
        return null;
      }
    }

    public String header(String name) {
      return headers.get(name);
    }
  }

  /** A backend's answer over the size cap. */
  public static final class AnswerTooLarge extends RuntimeException {
    public AnswerTooLarge(String path, long limit) {
      super("GET " + path + " answered more than " + (limit >= 1 << 20 ? (limit >> 20) + " MiB" : (limit >> 10)
          + " KiB") + " (the limit for what corral reads from a backend)", null, false, false);
    }
  }
}
