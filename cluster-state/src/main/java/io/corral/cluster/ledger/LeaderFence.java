package io.corral.cluster.ledger;

/**
 * Leader fencing: the member that last claimed leadership and its epoch. A member other than the current leader
 * that claims gets the next epoch; the current leader keeps its own, so claiming again is idempotent. The leader's
 * changes carry its term, and one whose term is no longer current is refused, so a deposed leader that has not
 * noticed yet cannot undo its successor's work.
 *
 * <p>Part of a {@link PoolLedger}: not thread-safe, changed only on the key's partition thread.
 */
final class LeaderFence {

  private long epoch;
  private String leader = "";

  /** The epoch {@code memberId} leads under from now on. */
  long claim(String memberId) {
    if (!memberId.equals(leader)) {
      epoch++;
      leader = memberId;
    }
    return epoch;
  }

  /** Whether {@code term} is the current one (null: an unfenced call, tests and tools only). */
  boolean holds(LeaderTerm term) {
    return term == null || term.epoch() == epoch && term.leader().equals(leader);
  }

  LeaderTerm term() {
    return new LeaderTerm(leader, epoch);
  }

  /** As read from another member's copy. */
  void restore(long epoch, String leader) {
    this.epoch = epoch;
    this.leader = leader == null ? "" : leader;
  }
}
