package io.corral.router.proxy;

import io.corral.cluster.backends.BackendId;
import io.corral.cluster.backends.BackendTimeouts;
import io.corral.router.protocol.ApiFamily;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * One exchange for {@link StreamingProxy#forward}: the client's request (its body already read) and response, the
 * backend it goes to, and how the exchange is run.
 *
 * @param response   must already carry corral's own headers
 * @param timeouts   the backend's own timeouts where the operator set them (zero fields: the global ones)
 * @param clientGone completes when the client disconnects (the caller owns the response's close handler)
 * @param failover   a failure before the first byte reached the client is not answered: the caller tries another
 *                   backend or answers itself; without it, the proxy answers (the backend's own answer passes through)
 * @param race       the hedging race this copy is in, or null: the copy answers only if it gets a response byte
 *                   first, else it is cancelled and ends {@link ProxyOutcome.Result#HEDGE_LOST}
 * @param onWin      runs when this copy answers, before anything is written (e.g. to name its backend)
 */
public record ProxyCall(HttpServerRequest request, HttpServerResponse response, Buffer body, BackendId backend,
    BackendTimeouts timeouts, ApiFamily family, String requestId, Future<Void> clientGone, boolean failover,
    FirstByteRace race, Runnable onWin) {

  /** A plain exchange: the global timeouts, no failover, no race. */
  public static ProxyCall to(BackendId backend, HttpServerRequest request, HttpServerResponse response,
      Buffer body, ApiFamily family, String requestId, Future<Void> clientGone) {
    return new ProxyCall(request, response, body, backend, BackendTimeouts.DEFAULTS, family, requestId, clientGone,
        false, null, () -> { });
  }

  public ProxyCall withTimeouts(BackendTimeouts t) {
    return new ProxyCall(request, response, body, backend, t, family, requestId, clientGone, failover, race, onWin);
  }

  public ProxyCall withFailover(boolean f) {
    return new ProxyCall(request, response, body, backend, timeouts, family, requestId, clientGone, f, race, onWin);
  }

  /** One copy in {@code r} ({@code r} may be null: no race); {@code win} runs when this copy answers. */
  public ProxyCall inRace(FirstByteRace r, Runnable win) {
    return new ProxyCall(request, response, body, backend, timeouts, family, requestId, clientGone, failover, r, win);
  }
}
