package io.corral.bench.loadquality;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How quickly a freed slot reaches the next waiting request, estimated from what the client sees. Two figures,
 * both over measured, successful requests whose answer says they waited at least {@code waitedMillis} (the
 * balancer's queue time header; for corral it also counts the acquire round trip, which takes a few
 * milliseconds by itself, so "waited" needs a threshold above that):
 *
 * <ul>
 *   <li><b>queue exit to first byte</b> = TTFB minus the reported queue time: from the grant to the first byte,
 *       which includes the backend's own first-token time;
 *   <li><b>release to first byte</b> = the request's first byte minus the end of the request whose slot it got,
 *       as the client saw that end. The end is the balancer's cue to release, so this covers release, grant,
 *       telling the waiting request's member, forwarding, and the backend's first-token time.
 * </ul>
 *
 * <p>Matching a waiting request Q to the request R that freed its slot: R ran on the same backend, ended after Q
 * was sent and no later than Q's grant. The grant time is known to 1 ms from the queue header ({@code sent +
 * queueMs}, truncated); R is the latest such end not already given to an earlier grant, taken in grant order.
 * A request that did not really wait (a slow acquire) usually finds no such end and counts as unmatched. Ends of
 * other requests that fall inside the 1 ms uncertainty can be mismatched; on a backend with few slots that is
 * rare, and it shortens the figure by under a millisecond.
 *
 * @param waited               measured, successful requests with a queue time of at least the threshold
 * @param queueExitToFirstByte TTFB minus queue time, over {@code waited}
 * @param matched              waited requests matched to the release that freed their slot
 * @param unmatched            waited requests for which no freeing end was found
 * @param releaseToFirstByte   first byte minus the matched end
 */
record DispatchEstimate(int waited, Latency.Summary queueExitToFirstByte, int matched, int unmatched,
    Latency.Summary releaseToFirstByte) {

  static final DispatchEstimate NONE = new DispatchEstimate(0, Latency.Summary.EMPTY, 0, 0, Latency.Summary.EMPTY);
  /** Slack for the difference between the generator's send time and the balancer's arrival time. */
  private static final long SLACK_NANOS = 500_000;

  static DispatchEstimate of(RequestRecord[] rs, ArrivalSchedule schedule, int waitedMillis) {
    Latency.Samples exit = new Latency.Samples();
    List<RequestRecord> waited = new ArrayList<>();
    Map<String, TreeMap<Long, Integer>> endsByBackend = new HashMap<>();
    boolean anyQueueHeader = false;
    for (RequestRecord r : rs) {
      if (!r.ok() || r.backend() == null) {
        continue;
      }
      endsByBackend.computeIfAbsent(r.backend(), b -> new TreeMap<>()).merge(r.endedAt(), 1, Integer::sum);
      anyQueueHeader |= r.queueMs() >= 0;
      if (schedule.measured(r.index()) && r.queueMs() >= waitedMillis) {
        exit.add(r.ttfbNanos() - r.queueMs() * 1_000_000);
        waited.add(r);
      }
    }
    if (!anyQueueHeader) {
      return NONE;
    }
    waited.sort(Comparator.comparingLong(DispatchEstimate::grantBound));
    Latency.Samples release = new Latency.Samples();
    int unmatched = 0;
    for (RequestRecord q : waited) {
      TreeMap<Long, Integer> ends = endsByBackend.get(q.backend());
      Long end = ends.floorKey(grantBound(q));
      if (end == null || end <= q.sentAt()) {
        unmatched++;
        continue;
      }
      ends.computeIfPresent(end, (k, n) -> n == 1 ? null : n - 1);
      release.add(q.firstByteAt() - end);
    }
    return new DispatchEstimate(exit.size(), exit.summarize(), release.size(), unmatched, release.summarize());
  }

  /** The latest moment the grant can have happened: sent + queue time, rounded up to the next millisecond. */
  private static long grantBound(RequestRecord r) {
    return r.sentAt() + (r.queueMs() + 1) * 1_000_000 + SLACK_NANOS;
  }
}
