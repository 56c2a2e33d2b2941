package io.corral.cluster.backends;

import java.time.Duration;

/**
 * Timeouts the operator set for one backend, overriding the members' global ones (a big model on a slow machine
 * may need a longer first-token wait than the rest of the fleet). Shared with the backend's state, so every member
 * proxies to it with the same limits. Zero means "the member's global setting".
 *
 * @param connectMillis    connecting to the backend
 * @param firstTokenMillis waiting for the backend's first response byte (a cold model load happens here)
 * @param idleMillis       silence allowed between chunks once the answer streams
 */
public record BackendTimeouts(long connectMillis, long firstTokenMillis, long idleMillis) {

  public static final BackendTimeouts DEFAULTS = new BackendTimeouts(0, 0, 0);

  public BackendTimeouts {
    if (connectMillis < 0 || firstTokenMillis < 0 || idleMillis < 0) {
      throw new IllegalArgumentException("backend timeouts must be positive");
    }
  }

  /** The connect timeout to use: this backend's, else {@code global}. */
  public Duration connect(Duration global) {
    return connectMillis > 0 ? Duration.ofMillis(connectMillis) : global;
  }

  public Duration firstToken(Duration global) {
    return firstTokenMillis > 0 ? Duration.ofMillis(firstTokenMillis) : global;
  }

  public Duration idle(Duration global) {
    return idleMillis > 0 ? Duration.ofMillis(idleMillis) : global;
  }
}
