package io.corral.cluster.ledger;

import java.util.List;

/**
 * What the ledger holds for one member: its leases (with their backends) and its waiting tickets. A member
 * compares this with its live requests to free what it no longer needs and to pick up grants it missed.
 */
public record MemberHoldings(List<Grant> leases, List<String> waiting) {
  public MemberHoldings {
    leases = List.copyOf(leases);
    waiting = List.copyOf(waiting);
  }
}
