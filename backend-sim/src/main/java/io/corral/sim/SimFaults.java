package io.corral.sim;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Live fault switches of one simulated backend. Defaults: no fault.
 *
 * <p>A "chunk" is one streamed token (NDJSON line or SSE event); for a non-streamed response the same count
 * applies to the tokens generated before the single body is written, so a fault at chunk {@code n} fires before
 * any byte is sent. Chunk {@code tokens} (one past the last token) is the final "done" chunk, so a stall after
 * all tokens leaves the stream without its end. A value larger than the token count never fires.
 *
 * <p>Stall, reset and delay are read once when a request takes its slot; changing them affects later requests.
 * Thread-safe: every method may be called from any thread.
 */
public final class SimFaults {

  private SimFaultState state = SimFaultState.NONE;

  /** After {@code n} chunks, stop sending but keep the connection open (a hung stream); -1 = off. */
  public synchronized SimFaults stallAfterChunks(int n) {
    state = new SimFaultState(n, state.failStatus(), state.failCount(), state.resetAfterChunks(),
        state.extraFirstTokenDelay(), state.headersFirst());
    return this;
  }

  /**
   * The next {@code count} generation requests answer {@code status} (e.g. 503, 429) with the API's own error
   * body, without taking a slot. {@code count} -1 = every request until cleared, 0 = off.
   */
  public synchronized SimFaults failWith(int status, int count) {
    state = new SimFaultState(state.stallAfterChunks(), status, count, state.resetAfterChunks(),
        state.extraFirstTokenDelay(), state.headersFirst());
    return this;
  }

  /** After {@code n} chunks, cut the TCP connection abruptly (0 = before any response byte); -1 = off. */
  public synchronized SimFaults resetAfterChunks(int n) {
    state = new SimFaultState(state.stallAfterChunks(), state.failStatus(), state.failCount(), n,
        state.extraFirstTokenDelay(), state.headersFirst());
    return this;
  }

  /** Adds {@code d} to the configured first-token delay. */
  public synchronized SimFaults extraFirstTokenDelay(Duration d) {
    Objects.requireNonNull(d, "d");
    state = new SimFaultState(state.stallAfterChunks(), state.failStatus(), state.failCount(),
        state.resetAfterChunks(), d, state.headersFirst());
    return this;
  }

  /**
   * Streamed answers send status and headers as soon as they take a slot, before the first token (vLLM and other
   * FastAPI/Starlette servers); false = with the first token (Ollama, llama-server).
   */
  public synchronized SimFaults headersFirst(boolean on) {
    state = new SimFaultState(state.stallAfterChunks(), state.failStatus(), state.failCount(),
        state.resetAfterChunks(), state.extraFirstTokenDelay(), on);
    return this;
  }

  /** Switches every fault off. */
  public synchronized SimFaults clear() {
    state = SimFaultState.NONE;
    return this;
  }

  /** The current faults as one consistent value. */
  public synchronized SimFaultState state() {
    return state;
  }

  /** Replaces every fault at once (used by {@code POST /_sim/faults}). */
  synchronized void replace(SimFaultState next) {
    state = Objects.requireNonNull(next, "next");
  }

  /** Consumes one injected failure if any is armed, returning its status. */
  synchronized OptionalInt claimFailure() {
    int count = state.failCount();
    if (count == 0) {
      return OptionalInt.empty();
    }
    if (count > 0) {
      state = new SimFaultState(state.stallAfterChunks(), state.failStatus(), count - 1,
          state.resetAfterChunks(), state.extraFirstTokenDelay(), state.headersFirst());
    }
    return OptionalInt.of(state.failStatus());
  }
}
