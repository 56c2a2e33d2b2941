package io.corral.cluster.ledger;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.corral.cluster.wire.VersionGate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The cluster-wide ledger of slot leases and waiting tickets ({@value #MAP_NAME}), one entry per pool (one pool,
 * {@value #DEFAULT_POOL}, serves the whole fleet for now). Every change is one entry processor on the pool's key,
 * so granting is atomic across the cluster: acquire and release are the two round trips of the fast path.
 *
 * <p>Every change carries the cluster's clock as the caller reads it, and a fresh incarnation id: the ledger takes its time only from callers
 * (entry processors stay deterministic), and an operation that finds the entry missing makes a rebuilding ledger
 * under that id ({@link LedgerIncarnation}).
 *
 * <p>Thread-safety: every method is asynchronous and safe from any thread, including event loops; the stages
 * complete on Hazelcast threads. Bridge them back to the event loop straight from Hazelcast's response thread
 * (router-node's {@code HazelcastCompletions.onContext}): {@code Future.fromCompletionStage} hops through the
 * common pool first.
 */
public final class SlotLedger {

  public static final String MAP_NAME = "corral.ledger";
  public static final String DEFAULT_POOL = "default";
  /** Longest a ledger made again after a loss waits for members to re-assert before it grants. */
  public static final Duration REBUILD_WAIT = LedgerIncarnation.REBUILD_WAIT;

  private final HazelcastInstance hazelcast;
  private final IMap<String, PoolLedger> map;
  private final String pool;
  private final InstantSource clock;
  private final VersionGate gate;

  public SlotLedger(HazelcastInstance hazelcast) {
    this(hazelcast, DEFAULT_POOL);
  }

  /** Stamps operations with the cluster's clock (Hazelcast's, kept in step with the master's), not this host's. */
  public SlotLedger(HazelcastInstance hazelcast, String pool) {
    this(hazelcast, pool, () -> Instant.ofEpochMilli(hazelcast.getCluster().getClusterTime()));
  }

  /** @param clock stamps every change: a rebuild ends when a stamp passes its deadline (tests shift it) */
  public SlotLedger(HazelcastInstance hazelcast, String pool, InstantSource clock) {
    this.hazelcast = hazelcast;
    this.map = hazelcast.getMap(MAP_NAME);
    this.pool = pool;
    this.clock = clock;
    this.gate = VersionGate.of(hazelcast);
  }

  private <R> CompletionStage<R> submit(LedgerOps.Mutating<R> op) {
    byte[] id = new byte[8];
    ThreadLocalRandom.current().nextBytes(id);
    return map.submitToKey(pool, op.stamped(clock.millis(), HexFormat.of().formatHex(id)).inVersion(gate.agreed()));
  }

  private <R> CompletionStage<R> read(LedgerOps.Reading<R> op) {
    return map.submitToKey(pool, op.inVersion(gate.agreed()));
  }

  /**
   * Makes the pool's ledger if it is missing; completes with its incarnation. {@code fresh}: this member is the
   * first of a new cluster (nothing can have been lost), so a ledger made now grants at once; otherwise a missing
   * ledger was lost and the one made now waits for the members to re-assert what they hold.
   */
  public CompletionStage<String> found(boolean fresh) {
    return submit(new LedgerOps.Found(fresh));
  }

  /** Only the caller's clock: ends a rebuild whose wait is over; the result lists the grants that made. */
  public CompletionStage<ReleaseResult> tick() {
    return submit(new LedgerOps.Tick());
  }

  /** The pool this ledger entry belongs to. */
  public String pool() {
    return pool;
  }

  /** Grants a slot on a free candidate, or queues the ticket, or refuses. Idempotent by ticket id. */
  public CompletionStage<AcquireResult> acquire(AcquireRequest request) {
    return submit(new LedgerOps.Acquire(request));
  }

  /** Frees a lease; the result lists waiting tickets that got the slot. Idempotent. */
  public CompletionStage<ReleaseResult> release(String leaseId) {
    return submit(new LedgerOps.Release(leaseId, false));
  }

  /** Takes a waiting ticket out of the queue; {@link ReleaseResult.Outcome#WAS_GRANTED} means release it. */
  public CompletionStage<ReleaseResult> cancel(String ticketId) {
    return submit(new LedgerOps.Release(ticketId, true));
  }

  /**
   * Lets a ticket that waits for a warm slot ({@link AcquireRequest#waitForWarm()}) take a cold one too; the result
   * lists the grants this made (possibly to that ticket). Idempotent; a ticket no longer waiting is left alone.
   */
  public CompletionStage<ReleaseResult> allowCold(String ticketId) {
    return submit(new LedgerOps.AllowCold(ticketId));
  }

  /** Unfenced {@link #setCapacity(String, int, boolean, LeaderTerm)}: for tests and single-member tools. */
  public CompletionStage<List<Grant>> setCapacity(String backendId, int slots, boolean available) {
    return setCapacity(backendId, slots, available, null).thenApply(ReleaseResult::grants);
  }

  /**
   * The leader sets a backend's slots and availability; the result lists tickets granted from new capacity, or is
   * {@link ReleaseResult.Outcome#FENCED} when {@code term} is no longer the ledger's leader term.
   */
  public CompletionStage<ReleaseResult> setCapacity(String backendId, int slots, boolean available,
      LeaderTerm term) {
    return setCapacity(backendId, slots, 0, available, term);
  }

  /**
   * As {@link #setCapacity(String, int, boolean, LeaderTerm)}, with a per-model limit: one model holds at most
   * {@code modelSlots} of the backend's slots at once (0 = no limit).
   */
  public CompletionStage<ReleaseResult> setCapacity(String backendId, int slots, int modelSlots, boolean available,
      LeaderTerm term) {
    return submit(new LedgerOps.SetCapacity(backendId, slots, modelSlots, available, term));
  }

  /** Unfenced {@link #purgeMember(String, LeaderTerm)}: for tests and single-member tools. */
  public CompletionStage<List<Grant>> purgeMember(String memberId) {
    return purgeMember(memberId, null).thenApply(ReleaseResult::grants);
  }

  /**
   * The leader frees a departed member's leases, drops its tickets and refuses its late operations; idempotent.
   * {@link ReleaseResult.Outcome#FENCED} when {@code term} is no longer the ledger's leader term.
   */
  public CompletionStage<ReleaseResult> purgeMember(String memberId, LeaderTerm term) {
    return submit(new LedgerOps.PurgeMember(memberId, term));
  }

  /** A member that became leader claims the ledger: its leader term, or an epoch of -1 when refused. */
  public CompletionStage<LeaderTerm> claimLeadership(String memberId) {
    return submit(new LedgerOps.ClaimLeadership(memberId))
        .thenApply(epoch -> new LeaderTerm(memberId, epoch));
  }

  /**
   * Puts back leases whose requests still run after a merge or a lost ledger entry. Idempotent. It also tells a
   * rebuilding ledger that this member is done (and which members it sees, whom the ledger then waits for).
   */
  public CompletionStage<Integer> reassert(String memberId, List<Grant> held) {
    return reassert(memberId, held, List.of());
  }

  /**
   * As {@link #reassert(String, List)}, with each lease's model ({@code models.get(i)} for {@code held.get(i)}), so
   * re-asserted leases count against their model's per-model limit too.
   */
  public CompletionStage<Integer> reassert(String memberId, List<Grant> held, List<String> models) {
    List<String> view = hazelcast.getCluster().getMembers().stream().map(m -> m.getUuid().toString()).toList();
    return submit(new LedgerOps.Reassert(memberId, held, models, view));
  }

  /** The partition that holds this pool's entry (to notice when it is lost). */
  public int partitionId() {
    return hazelcast.getPartitionService().getPartition(pool).getPartitionId();
  }

  /** The leases and waiting tickets the member holds in the ledger. */
  public CompletionStage<MemberHoldings> holdingsOf(String memberId) {
    return read(new LedgerOps.Holdings(memberId));
  }

  /** Member ids that hold any lease or ticket. */
  public CompletionStage<List<String>> membersHolding() {
    return read(new LedgerOps.Holdings(null)).thenApply(MemberHoldings::waiting);
  }

  public CompletionStage<LedgerSnapshot> snapshot() {
    return read(new LedgerOps.Snapshot());
  }
}
