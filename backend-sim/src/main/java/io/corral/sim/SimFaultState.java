package io.corral.sim;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;

/**
 * The faults a simulated backend injects, as one consistent value ({@link SimFaults#state()}).
 *
 * @param stallAfterChunks after this many chunks a response stops sending but keeps its connection; -1 = off
 * @param failStatus the HTTP status injected failures answer with (meaningful while {@code failCount != 0})
 * @param failCount how many more generation requests fail; -1 = every one until cleared, 0 = off
 * @param resetAfterChunks after this many chunks the connection is cut abruptly; -1 = off
 * @param extraFirstTokenDelay added to the configured first-token delay
 * @param headersFirst a streamed answer sends its status and headers as soon as it takes a slot, before the first
 *     token, as vLLM and other servers built on FastAPI/Starlette do (Ollama and llama-server send them with the
 *     first token); a stall or reset at chunk 0 then comes after the headers
 */
public record SimFaultState(
    int stallAfterChunks, int failStatus, int failCount, int resetAfterChunks, Duration extraFirstTokenDelay,
    boolean headersFirst) {

  /** No fault at all. */
  public static final SimFaultState NONE = new SimFaultState(-1, 503, 0, -1, Duration.ZERO, false);

  /** Headers with the first token, as Ollama and llama-server send them. */
  public SimFaultState(int stallAfterChunks, int failStatus, int failCount, int resetAfterChunks,
      Duration extraFirstTokenDelay) {
    this(stallAfterChunks, failStatus, failCount, resetAfterChunks, extraFirstTokenDelay, false);
  }

  public SimFaultState {
    Objects.requireNonNull(extraFirstTokenDelay, "extraFirstTokenDelay");
    if (stallAfterChunks < -1) {
      throw new IllegalArgumentException("stallAfterChunks must be >= -1, was " + stallAfterChunks);
    }
    if (resetAfterChunks < -1) {
      throw new IllegalArgumentException("resetAfterChunks must be >= -1, was " + resetAfterChunks);
    }
    if (failStatus < 400 || failStatus > 599) {
      throw new IllegalArgumentException("failStatus must be an HTTP error status (400-599), was " + failStatus);
    }
    if (failCount < -1) {
      throw new IllegalArgumentException("failCount must be >= -1, was " + failCount);
    }
    if (extraFirstTokenDelay.isNegative()) {
      throw new IllegalArgumentException("extraFirstTokenDelay must not be negative");
    }
  }

  /** Whether a stall fires before chunk number {@code chunkIndex} (0-based). */
  boolean stallsAt(int chunkIndex) {
    return stallAfterChunks == chunkIndex;
  }

  /** Whether a connection reset fires before chunk number {@code chunkIndex} (0-based). */
  boolean resetsAt(int chunkIndex) {
    return resetAfterChunks == chunkIndex;
  }

  /** The JSON shape used by {@code /_sim/faults}. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("stallAfterChunks", stallAfterChunks)
        .put("failStatus", failStatus)
        .put("failCount", failCount)
        .put("resetAfterChunks", resetAfterChunks)
        .put("extraFirstTokenDelayMs", extraFirstTokenDelay.toMillis())
        .put("headersFirst", headersFirst);
  }
}
