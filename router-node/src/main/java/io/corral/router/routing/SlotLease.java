package io.corral.router.routing;

import io.corral.cluster.backends.BackendState;

/**
 * Permission to run one request on one backend. Released exactly once, whatever ends the request (done, error,
 * client gone); releasing again is a no-op.
 */
public interface SlotLease extends AutoCloseable {

  /** The backend this lease is on. */
  BackendState backend();

  /** The arrival sequence of its request in the cluster-wide order (-1 if unknown); a retry passes it on. */
  long arrivalSeq();

  /** Frees the slot. Idempotent and safe from any thread. */
  void release();

  @Override
  default void close() {
    release();
  }
}
