package io.corral.router.chaos;

import io.corral.router.chaos.RequestOutcome.Result;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The client errors of one scenario, by cause. Requests whose connection was on a member that was killed are
 * expected losses (their TCP connection died with the process) and are counted apart from real errors.
 *
 * @param sent every request the load sent, refused connections included
 * @param ok complete streams
 * @param failedOver complete streams that took more than one backend ({@code X-Corral-Attempts} > 1)
 * @param refusedByDeadMember connections refused because the member was down (nothing listened)
 * @param lostOnKilledMember requests accepted by a member that was then killed (expected losses)
 * @param beforeFirstByte errors before any stream byte, on members that stayed up: the failover target is 0
 * @param afterStreamingBegan errors after the stream began, on members that stayed up
 * @param streamErrorLines of {@code afterStreamingBegan}, those ended by an error line/event in the API's framing
 * @param errorDetail a short breakdown of the real errors (cause, status, member, backend), for the report
 */
record ClientTally(int sent, int ok, int failedOver, int refusedByDeadMember, int lostOnKilledMember,
    int beforeFirstByte, int afterStreamingBegan, int streamErrorLines, String errorDetail) {

  /**
   * @param outcomes every outcome of the scenario's load
   * @param killedMembers indexes of the members killed during the load
   * @param memberNames names by index, for the breakdown
   */
  static ClientTally of(List<RequestOutcome> outcomes, Set<Integer> killedMembers, List<String> memberNames) {
    Predicate<RequestOutcome> onKilled = o -> killedMembers.contains(o.member());
    List<RequestOutcome> real = outcomes.stream().filter(o -> !o.ok() && !onKilled.test(o)).toList();
    Map<String, Long> breakdown = real.stream().collect(Collectors.groupingBy(
        o -> o.result() + (o.status() != 0 && o.status() != 200 ? " " + o.status() : "") + " via "
            + memberNames.get(o.member()) + (o.backend().isEmpty() ? "" : " from " + o.backend()),
        TreeMap::new, Collectors.counting()));
    return new ClientTally(
        outcomes.size(),
        count(outcomes, RequestOutcome::ok),
        count(outcomes, o -> o.ok() && o.attempts() > 1),
        count(outcomes, o -> onKilled.test(o) && o.result() == Result.REFUSED),
        count(outcomes, o -> onKilled.test(o) && !o.ok() && o.result() != Result.REFUSED),
        count(real, o -> o.result().beforeFirstByte()),
        count(real, o -> o.result().afterStreamingBegan()),
        count(real, o -> o.result() == Result.STREAM_ERROR),
        breakdown.entrySet().stream().map(e -> e.getKey() + " x" + e.getValue())
            .collect(Collectors.joining("; ")));
  }

  private static int count(List<RequestOutcome> outcomes, Predicate<RequestOutcome> p) {
    return (int) outcomes.stream().filter(p).count();
  }

  /** Every request is accounted for exactly once. */
  int accountedFor() {
    return ok + refusedByDeadMember + lostOnKilledMember + beforeFirstByte + afterStreamingBegan;
  }
}
