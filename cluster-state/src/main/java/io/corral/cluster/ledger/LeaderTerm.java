package io.corral.cluster.ledger;

/**
 * A leader's claim on the ledger: which member leads and the epoch the ledger gave it. Leader actions (capacity
 * sync, purging departed members) carry it, and the ledger refuses those whose term is not its current one, so a
 * leader that froze and resumed after another took over cannot act on a stale view.
 *
 * @param leader the member id that claimed leadership
 * @param epoch  the ledger's leader epoch at the claim (it grows with every new leader)
 */
public record LeaderTerm(String leader, long epoch) {}
