package io.corral.bench.overhead;

import java.util.Map;

/**
 * What one phase (one target, one concurrency, one round) measured in its window.
 *
 * @param target        target name
 * @param round         1-based round
 * @param concurrency   closed-loop streams
 * @param seconds       length of the measured window as actually elapsed
 * @param ttfb          request sent to first body bytes, over requests that started and ended in the window
 * @param total         request sent to the end of the streamed answer, same requests
 * @param readsPerAnswer body buffers the generator received per answer (how much the path coalesced the chunks)
 * @param errors        failed requests that started in the window (status, reset, timeout, short or bad body)
 * @param warmupErrors  failed requests during warm-up (shown so a broken warm-up is not silently hidden)
 * @param firstError    one failure message, or null
 * @param cpuTicks      CPU ticks each watched process (and {@code generator}) used during the window
 * @param machineBusy   busy ticks of the whole machine during the window (all cores)
 */
record PhaseResult(String target, int round, int concurrency, double seconds, LatencySamples.Summary ttfb,
    LatencySamples.Summary total, double readsPerAnswer, long errors, long warmupErrors, String firstError,
    Map<String, Long> cpuTicks, long machineBusy) {

  PhaseResult {
    cpuTicks = Map.copyOf(cpuTicks);
  }

  double requestsPerSecond() {
    return total.count() / seconds;
  }

  /** Cores kept busy by everything that is not a watched process nor the generator (other work on the box). */
  double otherCores(int clockTicks) {
    long ours = cpuTicks.values().stream().mapToLong(Long::longValue).sum();
    return Math.max(0, machineBusy - ours) / (double) clockTicks / seconds;
  }
}
