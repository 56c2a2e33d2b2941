package io.corral.router.chaos;

/**
 * What one client request of the load saw, from the client's side only (nothing taken from corral's own view).
 *
 * @param member index of the member the client connected to (its round-robin position)
 * @param api which API family the request used
 * @param startNanos when the request was sent ({@link System#nanoTime()})
 * @param endNanos when its outcome was known
 * @param result how it ended
 * @param status the HTTP status, or 0 when no response head arrived
 * @param backend {@code X-Corral-Backend} of the response, or empty
 * @param attempts {@code X-Corral-Attempts} of the response (1 when absent: the first try served it)
 * @param detail the error line, status body or exception, for the log when something failed
 */
record RequestOutcome(int member, Api api, long startNanos, long endNanos, Result result, int status,
    String backend, int attempts, String detail) {

  enum Api { OLLAMA_GENERATE, OPENAI_CHAT }

  enum Result {
    /** 200 and a complete stream (Ollama {@code "done":true}, OpenAI {@code data: [DONE]}). */
    OK,
    /** A response head with a status other than 200: the error reached the client before any stream byte. */
    HTTP_ERROR,
    /** The connection failed after it was accepted but before a response head (reset, closed, timeout). */
    CONNECTION_LOST,
    /** Nothing listened on the member's port: the client could not even connect (a dead member). */
    REFUSED,
    /** 200, then the stream ended with an error in the API's own framing (NDJSON error line, SSE error event). */
    STREAM_ERROR,
    /** 200, then the connection broke or the stream ended without its final chunk and without an error. */
    STREAM_BROKEN;

    boolean beforeFirstByte() {
      return this == HTTP_ERROR || this == CONNECTION_LOST || this == REFUSED;
    }

    boolean afterStreamingBegan() {
      return this == STREAM_ERROR || this == STREAM_BROKEN;
    }
  }

  boolean ok() {
    return result == Result.OK;
  }

  /** Was the request on the member's connection at {@code nanos} (sent before, not yet ended)? */
  boolean inFlightAt(long nanos) {
    return startNanos <= nanos && endNanos >= nanos;
  }
}
