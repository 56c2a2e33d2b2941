package io.corral.router.routing;

/**
 * A request that will not get a slot: the queue is full (429), it waited too long (503), or the cluster cannot
 * grant right now (503). Carries what the API answers; {@code retryAfterSeconds} goes into {@code Retry-After}.
 */
public final class AdmissionRefused extends RuntimeException {

  private final int status;
  private final String code;
  private final int retryAfterSeconds;

  public AdmissionRefused(int status, String code, String message, int retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
