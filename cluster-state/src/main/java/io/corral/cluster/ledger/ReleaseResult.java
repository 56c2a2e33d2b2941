package io.corral.cluster.ledger;

import java.util.List;

/**
 * What a release (or cancel) did.
 *
 * @param outcome what state the ticket or lease was in
 * @param grants  waiting tickets that got the freed slot(s) in the same step; their members must be told
 */
public record ReleaseResult(Outcome outcome, List<Grant> grants) {

  public ReleaseResult {
    grants = List.copyOf(grants);
  }

  public enum Outcome {
    /** The lease was held and is now free. */
    RELEASED,
    /** The ticket was waiting and has left the queue. */
    CANCELLED,
    /** A cancel found the ticket already granted: the canceller must release it. */
    WAS_GRANTED,
    /** Nothing to do: already released, cancelled, or never known (idempotent retry). */
    UNKNOWN,
    /** A leader action from a term that is not the ledger's current one: refused, nothing changed. */
    FENCED,
    /** A ticket that waited for a warm slot may now take a cold one too. */
    COLD_ALLOWED
  }
}
