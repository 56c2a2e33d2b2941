package io.corral.cluster.ledger;

/**
 * What the ledger did with an acquire.
 *
 * @param outcome   granted at once, queued, or refused
 * @param backendId the backend granted, when {@link Outcome#GRANTED}
 * @param position  tickets ahead in the shared order, when {@link Outcome#QUEUED} (0 = next)
 * @param reason    why it was refused, when refused
 * @param seq       the request's arrival sequence, when granted or queued (-1 when refused): a retry of the same
 *                  request on another backend passes it back to keep its place
 */
public record AcquireResult(Outcome outcome, String backendId, int position, String reason, long seq) {

  public enum Outcome {
    GRANTED,
    QUEUED,
    /** The queue is at its bound: answer 429. */
    QUEUE_FULL,
    /** None of the candidates is in the ledger with a slot it could ever use. */
    NO_CAPACITY,
    /** The member is dead to the cluster (a tombstone): its late operations are refused. */
    MEMBER_DEAD,
    /** The ticket id was already used by a request that has ended. */
    ALREADY_ENDED
  }

  static AcquireResult granted(String backendId, long seq) {
    return new AcquireResult(Outcome.GRANTED, backendId, 0, "", seq);
  }

  static AcquireResult queued(int position, long seq) {
    return new AcquireResult(Outcome.QUEUED, "", position, "", seq);
  }

  static AcquireResult refused(Outcome outcome, String reason) {
    return new AcquireResult(outcome, "", 0, reason, -1);
  }
}
