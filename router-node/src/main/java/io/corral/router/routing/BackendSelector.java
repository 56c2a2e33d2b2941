package io.corral.router.routing;

import io.vertx.core.Future;

/**
 * Chooses the backend for a request and grants a {@link SlotLease} on it. Implementations decide how capacity is
 * shared; callers must release the lease when the request ends.
 *
 * <p>Thread-safety: implementations are called from event loops concurrently and must not block.
 */
public interface BackendSelector {

  /** Grants a lease on one of {@code request.candidates()}, which is never empty. */
  Future<SlotLease> acquire(RouteRequest request);

  /** Requests this member is running on a backend now. */
  int inFlight(String backendId);
}
