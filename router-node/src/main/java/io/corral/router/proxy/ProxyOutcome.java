package io.corral.router.proxy;

import java.util.Set;

/**
 * How one forwarded exchange ended.
 *
 * @param result          what happened
 * @param status          HTTP status the client saw (499 when the client went away first), or, when
 *                        {@code answered} is false, the status the backend gave or corral would give
 * @param firstByteNanos  time from forwarding to the backend's first body byte (its headers may come earlier), or -1
 *                        if none came
 * @param answered        whether anything was sent to the client; false only for a failure before the first byte
 *                        when the caller allowed failover: the caller then retries elsewhere or answers
 * @param failure         what went wrong, for the caller's answer and logs; empty when completed
 * @param tokens          tokens streamed (records counted, the closing ones left out); 0 when not a stream
 * @param generationNanos time from the first streamed record to the last; 0 when not a stream
 */
public record ProxyOutcome(Result result, int status, long firstByteNanos, boolean answered, String failure,
    long tokens, long generationNanos) {

  /** Backend answers that mean "not now, try elsewhere", retried on another backend before the first byte. */
  public static final Set<Integer> FAILOVER_STATUSES = Set.of(409, 429, 502, 503, 504);

  public ProxyOutcome {
    failure = failure == null ? "" : failure;
  }

  /** An outcome without a measured stream. */
  public ProxyOutcome(Result result, int status, long firstByteNanos, boolean answered, String failure) {
    this(result, status, firstByteNanos, answered, failure, 0, 0);
  }

  /** How much of a backend's error answer is read to quote its message (the rest is dropped). */
  public static final int ERROR_BODY_LIMIT = 8 * 1024;

  /**
   * A backend's own error status before any byte reached the client, other than the "try elsewhere" ones: 500 and
   * 505-599. Possibly the request's fault (a poison request), possibly the backend's; the caller tries one other
   * backend to tell them apart.
   */
  public static boolean serverError(int status) {
    return status >= 500 && status != 501 && !FAILOVER_STATUSES.contains(status);
  }

  /** Whether the caller may send the request to another backend: nothing reached the client yet. */
  public boolean mayFailOver() {
    return !answered && result != Result.CLIENT_GONE && result != Result.SLOW_CLIENT
        && result != Result.HEDGE_LOST && result != Result.COMPLETED;
  }

  public enum Result {
    /** The backend's answer reached the client in full. */
    COMPLETED,
    /** The client disconnected; the upstream request was cancelled. */
    CLIENT_GONE,
    /** The client left its answer unread for longer than the slow-client timeout and was disconnected. */
    SLOW_CLIENT,
    /** A hedged copy that lost the race to the first byte and was cancelled. */
    HEDGE_LOST,
    /** Connecting to or sending to the backend failed before any response. */
    CONNECT_FAILED,
    /** The backend answered with a status worth trying elsewhere ({@link #FAILOVER_STATUSES}). */
    BACKEND_REFUSED,
    /**
     * The backend does not implement the endpoint (501: a llama-server started without {@code --embeddings}
     * asked for embeddings). Not a fault of the backend: another one may implement it.
     */
    UNSUPPORTED,
    /** The backend sent nothing within the first-byte timeout. */
    NO_FIRST_BYTE,
    /** The backend stopped sending mid-stream for longer than the idle timeout. */
    STALLED,
    /** The backend's response broke off mid-stream. */
    BACKEND_FAILED,
    /**
     * The backend answered with its own error ({@link #serverError}) before any byte reached the client; the answer
     * was held back so another backend can try ({@code failure} quotes its message).
     */
    SERVER_ERROR
  }
}
