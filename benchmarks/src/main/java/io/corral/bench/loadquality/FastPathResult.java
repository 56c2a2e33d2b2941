package io.corral.bench.loadquality;

import java.util.Map;

/**
 * The fast path at low load: the same arrivals straight to the backends, through the anchor balancer and through
 * corral, and what corral asked of Hazelcast per request.
 *
 * @param direct              runs straight to the backends (request i to backend i % n)
 * @param anchor              through the anchor (one HAProxy), or null
 * @param corral              through corral, or null
 * @param corralTtfbByMember  corral's TTFB per answering member (the member that owns the ledger entry runs its
 *                            entry processors locally; the others go over the network)
 * @param calls               the invocation count, or null when it was not measured
 * @param callsNote           why it was not measured, or null
 */
record FastPathResult(RunResult direct, RunResult anchor, RunResult corral,
    Map<String, Latency.Summary> corralTtfbByMember, CallCount calls, String callsNote) {

  /**
   * Hazelcast invocations per corral request on the fast path.
   *
   * @param requests           requests sent to corral in the counted span (warm-up included: they all made calls)
   * @param invocations        invocations of all members in the span, background included
   * @param idlePerSecond      background invocations per second of all members, measured idle just before
   * @param spanSeconds        the counted span
   * @param ledgerWrites       ledger entry processors that changed the entry, in the span, background included
   * @param idleWritesPerSecond their background rate
   * @param publishSeconds     Hazelcast's metrics publication period (readings may be this old)
   */
  record CallCount(long requests, long invocations, double idlePerSecond, double spanSeconds, long ledgerWrites,
      double idleWritesPerSecond, double publishSeconds) {

    double perRequest() {
      return (invocations - idlePerSecond * spanSeconds) / requests;
    }

    double ledgerWritesPerRequest() {
      return (ledgerWrites - idleWritesPerSecond * spanSeconds) / requests;
    }

    /** How far the per-request figure can be off because a reading may be one publication period old. */
    double uncertaintyPerRequest() {
      return 2 * idlePerSecond * publishSeconds / requests;
    }
  }
}
