package io.corral.router.proxy;

/**
 * How one forwarded exchange ended.
 *
 * @param result          what happened
 * @param status          HTTP status the client saw (499 when the client went away first)
 * @param firstByteNanos  time from forwarding to the backend's response headers, or -1 if none came
 */
public record ProxyOutcome(Result result, int status, long firstByteNanos) {

  public enum Result {
    /** The backend's answer reached the client in full. */
    COMPLETED,
    /** The client disconnected; the upstream request was cancelled. */
    CLIENT_GONE,
    /** Connecting to or sending to the backend failed before any response. */
    CONNECT_FAILED,
    /** The backend sent nothing within the first-byte timeout. */
    NO_FIRST_BYTE,
    /** The backend stopped sending mid-stream for longer than the idle timeout. */
    STALLED,
    /** The backend's response broke off mid-stream. */
    BACKEND_FAILED
  }
}
