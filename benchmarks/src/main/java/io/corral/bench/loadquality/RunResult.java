package io.corral.bench.loadquality;

import io.corral.sim.SimStats;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one run (one scenario, one load, one repetition) measured. Latencies are over the requests that arrived
 * in the measured part of the schedule and succeeded, each followed to its end (an open-loop run cuts nothing
 * off: arrivals stop, the queue drains).
 *
 * @param scenario        scenario name
 * @param load            offered load as a fraction of capacity
 * @param repetition      1-based repetition
 * @param loadAverage     {@code /proc/loadavg} (1, 5, 15 min) just before the run
 * @param arrivals        all arrivals of the run, warm-up included (they all cost CPU)
 * @param measured        arrivals in the measured part
 * @param errors          measured arrivals that failed (status, reset, timeout, error line, short body)
 * @param warmupErrors    failures among the warm-up arrivals
 * @param firstError      one failure message, or null
 * @param ttfb            sent to first body bytes
 * @param total           sent to the end of the answer
 * @param overtaken       share of measured requests that some later arrival beat to its first byte
 * @param overtakenClearly the same, when the later arrival's first byte came at least the margin sooner
 * @param queueHeader     the balancer's reported queue time ({@code X-Corral-Queue-Ms}, HAProxy's {@code %Tw}) of
 *                        the measured requests, in nanoseconds (whole milliseconds); empty when it does not say
 * @param maxConcurrent   the most requests present at one backend at once (processing + waiting), over all
 *                        backends, during the whole run (warm-up included)
 * @param maxProcessing   the most requests one backend ran at once (never above its slots: it queues the rest)
 * @param backendStarted  generation requests the backends started during the run (should equal the arrivals)
 * @param balancerCpuSeconds CPU (user + system) of the scenario's balancer processes over the whole run
 * @param simCpuSeconds   CPU of the simulated backends, same span
 * @param generatorCpuSeconds CPU of the load generator, same span
 * @param otherCores      cores busy with anything else on the machine during the run (the box is shared)
 * @param sendLag         delay between an arrival's due time and its sending, all arrivals (generator health)
 * @param perMember       measured requests per answering corral member (empty for HAProxy)
 * @param dispatch        queue-exit and release-to-first-byte figures
 * @param seconds         wall time of the whole run, drain included
 */
record RunResult(String scenario, double load, int repetition, String loadAverage, int arrivals, int measured,
    int errors, int warmupErrors, String firstError, Latency.Summary ttfb, Latency.Summary total, double overtaken,
    double overtakenClearly, Latency.Summary queueHeader, int maxConcurrent, int maxProcessing, long backendStarted,
    double balancerCpuSeconds, double simCpuSeconds, double generatorCpuSeconds, double otherCores,
    Latency.Summary sendLag, Map<String, Integer> perMember, DispatchEstimate dispatch, double seconds) {

  RunResult {
    perMember = Map.copyOf(perMember);
  }

  double oversubscription(int slots) {
    return maxConcurrent / (double) slots;
  }

  /** CPU time the balancers spent per request of the run (warm-up included), in milliseconds. */
  double balancerCpuMsPerRequest() {
    return arrivals == 0 ? Double.NaN : balancerCpuSeconds * 1000 / arrivals;
  }

  /** The measurements taken around the requests of one run, passed in from the caller. */
  record Context(String scenario, double load, int repetition, String loadAverage, List<SimStats> backends,
      double balancerCpuSeconds, double simCpuSeconds, double generatorCpuSeconds, double otherCores,
      double seconds) {}

  static RunResult analyze(Context c, ArrivalSchedule schedule, OpenLoopClient.Run run, long marginNanos,
      int waitedMillis) {
    RequestRecord[] rs = run.records();
    Latency.Samples ttfb = new Latency.Samples();
    Latency.Samples total = new Latency.Samples();
    int measured = 0;
    int errors = 0;
    int warmupErrors = 0;
    Latency.Samples queue = new Latency.Samples();
    Latency.Samples lag = new Latency.Samples();
    String firstError = null;
    Map<String, Integer> perMember = new TreeMap<>();
    for (RequestRecord r : rs) {
      lag.add(r.sentAt() - r.scheduledAt());
      boolean inWindow = schedule.measured(r.index());
      if (!r.ok()) {
        if (inWindow) {
          errors++;
        } else {
          warmupErrors++;
        }
        if (firstError == null) {
          firstError = r.error();
        }
      }
      if (!inWindow) {
        continue;
      }
      measured++;
      if (!r.ok()) {
        continue;
      }
      ttfb.add(r.ttfbNanos());
      total.add(r.totalNanos());
      if (r.queueMs() >= 0) {
        queue.add(r.queueMs() * 1_000_000);
      }
      if (r.member() != null) {
        perMember.merge(r.member(), 1, Integer::sum);
      }
    }
    int[] overtaken = overtaken(rs, schedule, marginNanos);
    int ok = ttfb.size();
    int maxConcurrent = 0;
    int maxProcessing = 0;
    long started = 0;
    for (SimStats s : c.backends()) {
      maxConcurrent = Math.max(maxConcurrent, s.maxConcurrent());
      maxProcessing = Math.max(maxProcessing, s.maxProcessing());
      started += s.requestsStarted();
    }
    return new RunResult(c.scenario(), c.load(), c.repetition(), c.loadAverage(), rs.length, measured, errors,
        warmupErrors, firstError, ttfb.summarize(), total.summarize(),
        ok == 0 ? Double.NaN : overtaken[0] / (double) ok, ok == 0 ? Double.NaN : overtaken[1] / (double) ok,
        queue.summarize(), maxConcurrent, maxProcessing, started, c.balancerCpuSeconds(), c.simCpuSeconds(),
        c.generatorCpuSeconds(), c.otherCores(), lag.summarize(), perMember,
        DispatchEstimate.of(rs, schedule, waitedMillis), c.seconds());
  }

  /**
   * Counts measured, successful requests that a later arrival beat to the first byte: {@code [strictly, by at
   * least the margin]}. Arrival order is the schedule's (the generator sends in that order). One pass from the
   * last arrival backwards, keeping the earliest first byte seen among later arrivals (warm-up ones included,
   * and failed ones that did get a first byte).
   */
  static int[] overtaken(RequestRecord[] rs, ArrivalSchedule schedule, long marginNanos) {
    long earliestLater = Long.MAX_VALUE;
    int strictly = 0;
    int clearly = 0;
    for (int i = rs.length - 1; i >= 0; i--) {
      RequestRecord r = rs[i];
      if (r.ok() && schedule.measured(i)) {
        if (earliestLater < r.firstByteAt()) {
          strictly++;
        }
        if (earliestLater < r.firstByteAt() - marginNanos) {
          clearly++;
        }
      }
      if (r.firstByteAt() >= 0) {
        earliestLater = Math.min(earliestLater, r.firstByteAt());
      }
    }
    return new int[] {strictly, clearly};
  }
}
