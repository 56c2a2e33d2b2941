package io.corral.cluster.ledger;

import java.util.List;
import java.util.Objects;

/**
 * A request for a slot, as the ledger sees it.
 *
 * @param ticketId   made by the caller, unique per request; doubles as the lease id once granted, and makes a
 *                   retried acquire idempotent
 * @param memberId   the member holding the client's connection
 * @param model      normalized model name (for queue statistics)
 * @param priority   1-10, higher first
 * @param candidates backends that can serve this request (up, serving the model through the API called), with
 *                   the slots the caller believes they have: used only for a backend the ledger does not know yet
 * @param strategy   how to pick among free candidates
 * @param randomDraw a number the caller drew, used by {@link Strategy#RANDOM}
 * @param maxDepth   the queue bound: over it the request is refused instead of queued
 * @param agingCredit how many later arrivals one priority level may overtake (anti-starvation: a ticket's place
 *                   is {@code seq - (priority - 5) * agingCredit}, fixed when it is queued)
 * @param arrivalSeq the arrival sequence this request already has (a retry after a failed backend keeps its
 *                   place), or -1 for a new arrival, which the ledger numbers
 * @param coldCap    how many requests may load a model (run where it is cold) on one backend at once; 0 = no
 *                   limit. A cold candidate over the cap is not used now: the request waits for a warm slot or
 *                   for the load in progress to finish, so traffic does not thrash model swaps
 * @param notifyTo   where the ledger's owner sends a direct notice when a queued ticket gets its slot
 *                   ({@code host:port} of the member's grant datagram socket), or "" for the grant topic only
 * @param waitForWarm when some candidates have the model loaded and others do not: take only a warm slot, and
 *                   wait for one rather than start a model load on a free cold backend, until the member allows
 *                   cold slots ({@link SlotLedger#allowCold}) once the model's expected load time has passed. With
 *                   no warm candidate at all, cold ones are used at once (waiting would gain nothing).
 * @param rejoin     the member re-queues a request that still waits after a split-brain merge or a lost ledger
 *                   partition: the other side's purge of this member may have marked the ticket ended, and that
 *                   mark must not turn a live request away. A plain retry never sets it, so a cancelled ticket
 *                   stays cancelled.
 * @param conversation the conversation it continues: its last backend is preferred among the free ones, and
 *                   where it runs now is remembered ({@link Conversation#NONE}: neither)
 */
public record AcquireRequest(String ticketId, String memberId, String model, int priority,
    List<Candidate> candidates, Strategy strategy, long randomDraw, int maxDepth, int agingCredit,
    long arrivalSeq, int coldCap, String notifyTo, boolean waitForWarm, boolean rejoin,
    Conversation conversation) {

  /**
   * A new arrival: the ledger gives it the next sequence number; no cold-load cap, no direct notice address (grants
   * travel on the grant topic), cold candidates usable at once, a first submission, no conversation.
   */
  public static AcquireRequest arrival(String ticketId, String memberId, String model, int priority,
      List<Candidate> candidates, Strategy strategy, long randomDraw, int maxDepth, int agingCredit) {
    return new AcquireRequest(ticketId, memberId, model, priority, candidates, strategy, randomDraw, maxDepth,
        agingCredit, -1, 0, "", false, false, Conversation.NONE);
  }

  /** The same request with the arrival sequence it already has (a retry keeps its place; -1: a new arrival). */
  public AcquireRequest withArrivalSeq(long seq) {
    return new AcquireRequest(ticketId, memberId, model, priority, candidates, strategy, randomDraw, maxDepth,
        agingCredit, seq, coldCap, notifyTo, waitForWarm, rejoin, conversation);
  }

  /** The same request with a cold-load cap per backend (0: none). */
  public AcquireRequest withColdCap(int cap) {
    return new AcquireRequest(ticketId, memberId, model, priority, candidates, strategy, randomDraw, maxDepth,
        agingCredit, arrivalSeq, cap, notifyTo, waitForWarm, rejoin, conversation);
  }

  /** The same request, its grants also sent straight to {@code address} (a grant datagram; "": none). */
  public AcquireRequest notifyingAt(String address) {
    return new AcquireRequest(ticketId, memberId, model, priority, candidates, strategy, randomDraw, maxDepth,
        agingCredit, arrivalSeq, coldCap, address, waitForWarm, rejoin, conversation);
  }

  /** The same request, holding out for a warm slot ({@code true}) or not. */
  public AcquireRequest waitingForWarm(boolean warmOnly) {
    return new AcquireRequest(ticketId, memberId, model, priority, candidates, strategy, randomDraw, maxDepth,
        agingCredit, arrivalSeq, coldCap, notifyTo, warmOnly, rejoin, conversation);
  }

  /** The same request, marked as re-queued by a member that rejoined ({@code true}) or as a first submission. */
  public AcquireRequest rejoining(boolean again) {
    return new AcquireRequest(ticketId, memberId, model, priority, candidates, strategy, randomDraw, maxDepth,
        agingCredit, arrivalSeq, coldCap, notifyTo, waitForWarm, again, conversation);
  }

  /** The same request re-queued by this member under its current UUID (after a merge or a lost partition). */
  public AcquireRequest forMember(String newMemberId) {
    return new AcquireRequest(ticketId, newMemberId, model, priority, candidates, strategy, randomDraw, maxDepth,
        agingCredit, arrivalSeq, coldCap, notifyTo, waitForWarm, true, conversation);
  }

  /** The same request, free to take a cold slot (after holding out for a warm one long enough). */
  public AcquireRequest withColdAllowed() {
    return new AcquireRequest(ticketId, memberId, model, priority, candidates, strategy, randomDraw, maxDepth,
        agingCredit, arrivalSeq, coldCap, notifyTo, false, rejoin, conversation);
  }

  /** The same request, continuing {@code c}. */
  public AcquireRequest inConversation(Conversation c) {
    return new AcquireRequest(ticketId, memberId, model, priority, candidates, strategy, randomDraw, maxDepth,
        agingCredit, arrivalSeq, coldCap, notifyTo, waitForWarm, rejoin, c);
  }

  /**
   * A backend that can serve the request, the slots and per-model limit the caller's view gives it (used only
   * while the ledger does not know the backend yet), and whether the model is loaded there (warm): warm
   * candidates are preferred, cold ones are subject to the cold-load cap.
   */
  public record Candidate(String backendId, int slots, boolean warm, int modelSlots) {

    /** No per-model limit. */
    public Candidate(String backendId, int slots, boolean warm) {
      this(backendId, slots, warm, 0);
    }

    /** A warm candidate (kinds that serve one loaded model, or where warmth is not tracked). */
    public Candidate(String backendId, int slots) {
      this(backendId, slots, true);
    }
  }

  public AcquireRequest {
    Objects.requireNonNull(ticketId, "ticketId");
    Objects.requireNonNull(memberId, "memberId");
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(conversation, "conversation");
    model = model == null ? "" : model;
    notifyTo = notifyTo == null ? "" : notifyTo;
    candidates = List.copyOf(candidates);
    if (priority < 1 || priority > 10) {
      throw new IllegalArgumentException("priority must be 1-10");
    }
    if (maxDepth < 0 || agingCredit < 0 || coldCap < 0) {
      throw new IllegalArgumentException("maxDepth, agingCredit and coldCap must be >= 0");
    }
  }
}
