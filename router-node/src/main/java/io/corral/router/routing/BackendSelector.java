package io.corral.router.routing;

import io.vertx.core.Future;

/**
 * Grants a {@link SlotLease} on one of a request's candidate backends, waiting in line when none is free.
 * The future fails with {@link AdmissionRefused} when no slot will be granted; callers must release the lease
 * when the request ends.
 *
 * <p>Thread-safety: called from event loops concurrently; never blocks. The future completes on the caller's
 * context.
 */
public interface BackendSelector {

  /** Grants a lease on one of {@code request.candidates()}, which is never empty. */
  Future<SlotLease> acquire(RouteRequest request);

  /** Requests this member is running on a backend now. */
  int inFlightHere(String backendId);
}
