package io.corral.sim;

import java.util.concurrent.atomic.AtomicLong;

/** Running token and time totals of completed generations, for llama-server's {@code /metrics}. Thread-safe. */
final class GenerationTotals {

  private final AtomicLong promptTokens = new AtomicLong();
  private final AtomicLong predictedTokens = new AtomicLong();
  private final AtomicLong promptNanos = new AtomicLong();
  private final AtomicLong predictedNanos = new AtomicLong();
  private final AtomicLong decodeCalls = new AtomicLong();

  void add(GenerationSummary s) {
    promptTokens.addAndGet(s.promptTokens());
    predictedTokens.addAndGet(s.completionTokens());
    promptNanos.addAndGet(s.promptEvalNanos());
    predictedNanos.addAndGet(s.evalNanos());
    decodeCalls.addAndGet(1 + s.completionTokens());
  }

  long promptTokens() {
    return promptTokens.get();
  }

  long predictedTokens() {
    return predictedTokens.get();
  }

  double promptSeconds() {
    return promptNanos.get() / 1e9;
  }

  double predictedSeconds() {
    return predictedNanos.get() / 1e9;
  }

  long decodeCalls() {
    return decodeCalls.get();
  }

  void reset() {
    promptTokens.set(0);
    predictedTokens.set(0);
    promptNanos.set(0);
    predictedNanos.set(0);
    decodeCalls.set(0);
  }
}
