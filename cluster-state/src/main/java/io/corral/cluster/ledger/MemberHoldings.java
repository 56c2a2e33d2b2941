package io.corral.cluster.ledger;

import java.util.List;

/**
 * What the ledger holds for one member: its leases (with their backends) and its waiting tickets. A member
 * compares this with its live requests to free what it no longer needs and to pick up grants it missed.
 *
 * @param incarnation which life of the ledger entry answered ("" when there is no entry): a member that saw another
 *                    one before knows the ledger was lost and made again
 * @param awaitingYou the ledger is being rebuilt and waits for this member to re-assert what it holds
 * @param rebuilding  the ledger is being rebuilt (it grants nothing until its members re-asserted or its wait ends)
 */
public record MemberHoldings(List<Grant> leases, List<String> waiting, String incarnation, boolean awaitingYou,
    boolean rebuilding) {
  public MemberHoldings {
    leases = List.copyOf(leases);
    waiting = List.copyOf(waiting);
  }

  /** Holdings without incarnation news (member lists, tests). */
  public MemberHoldings(List<Grant> leases, List<String> waiting) {
    this(leases, waiting, "", false, false);
  }
}
