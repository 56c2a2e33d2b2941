package io.corral.cluster.ledger;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.corral.cluster.wire.WireFrame;
import io.corral.cluster.wire.WireVersion;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * One pool's slot leases and waiting tickets: everything that must agree across the cluster, in one value that
 * only entry processors change, so every decision is atomic.
 *
 * <p>Implementation notes. (1) Deterministic: no clock, random or UUID here; decisions iterate only sorted
 * structures ({@link TreeMap}, {@link TreeSet}), so a backup replica that re-runs the same operation on its copy
 * decides the same. (2) Idempotent by id: tickets and leases are keyed by the caller's ticket id, and ended ids
 * are remembered (bounded) so a retried operation changes nothing. (3) In-flight is the size of a backend's lease
 * set, never a counter. (4) Work-conserving: every step that frees capacity ({@link #release}, a capacity
 * increase, purging a member, allowing a ticket cold slots, news that a model is loaded somewhere) ends with
 * {@link #dispatch()}, so a free slot never coexists with a waiting ticket that could use it; hence an acquire
 * that finds a free candidate slot never overtakes anyone. The one deliberate exception: a ticket holding out
 * for a warm slot ({@link AcquireRequest#waitForWarm()}) does not count a cold one as usable. (5) Order:
 * waiting tickets sort by {@code seq - (priority - 5) * agingCredit}, then by seq; the sequence is assigned here.
 * (6) Incarnation: a ledger made again after its entry was lost grants nothing until the members have re-asserted
 * what they hold ({@link LedgerIncarnation}); {@link #dispatch()} and the direct grant in {@link #acquire} both
 * check it, so nothing is granted twice.
 *
 * <p>Its parts, each a class of this package: {@link Placement} (which free backend: sticky, warm, then the
 * strategy), {@link Conversations} (sticky routing's memory), {@link LeaderFence} (whose leader term is current),
 * {@link LedgerIncarnation} (which life of the entry this is), {@link PoolLedgerFormat} (its wire form). Capacity,
 * the wait queue and the remembered ids are still fields here.
 *
 * <p>Not thread-safe: Hazelcast runs entry processors on the key's partition thread, one at a time.
 */
public final class PoolLedger implements IdentifiedDataSerializable {

  static final int MAX_TOMBSTONES = 256;
  static final int MAX_ENDED = 4096;
  /** Conversations remembered for sticky routing, least recently used dropped first. */
  static final int MAX_CONVERSATIONS = Conversations.MAX;

  long nextSeq;
  /** The version this ledger is written in: the newest every member spoke at its last change (see VersionGate). */
  int format = WireVersion.V1;
  /** The clock of the operation being applied, from its caller; leases granted now carry it. Never written. */
  private long now;
  /** Which life of the entry this is, and whether it may grant yet. */
  LedgerIncarnation incarnation = LedgerIncarnation.founded("");
  final LeaderFence fence = new LeaderFence();
  final Placement placement = new Placement();
  final TreeMap<String, BackendSlots> backends = new TreeMap<>();
  final TreeMap<String, Lease> leases = new TreeMap<>();
  final TreeMap<TicketKey, Ticket> waiting = new TreeMap<>();
  /** Lookup only (never iterated), so HashMap order cannot leak into decisions. */
  final Map<String, TicketKey> waitingById = new HashMap<>();
  final LinkedHashSet<String> tombstones = new LinkedHashSet<>();
  final ArrayDeque<String> endedOrder = new ArrayDeque<>();
  final Set<String> ended = new HashSet<>();
  /**
   * Waiting tickets ended by {@link #purgeMember} (a subset of {@code ended}): only these may be re-queued by a
   * rejoining member; a ticket its own member cancelled stays ended.
   */
  final LinkedHashSet<String> purgedTickets = new LinkedHashSet<>();
  final Conversations conversations = new Conversations();

  public PoolLedger() {}

  /** The ledger of a fresh cluster: it grants at once. */
  static PoolLedger founded(String incarnationId) {
    PoolLedger l = new PoolLedger();
    l.incarnation = LedgerIncarnation.founded(incarnationId);
    return l;
  }

  /**
   * A ledger made again because its entry was gone: it grants nothing until rebuilt (see {@link LedgerIncarnation}).
   *
   * @param nowMillis the clock of the caller whose operation found the entry missing
   */
  static PoolLedger rebuilding(String incarnationId, long nowMillis) {
    PoolLedger l = new PoolLedger();
    l.incarnation = LedgerIncarnation.rebuilding(incarnationId, nowMillis);
    return l;
  }

  /** Which life of the entry this is ("" for one made before incarnations were kept). */
  public String incarnation() {
    return incarnation.id();
  }

  /** False while a ledger made again waits for the members to re-assert what they hold. */
  public boolean granting() {
    return incarnation.granting();
  }

  /**
   * The caller's clock: ends a rebuild whose wait is over and hands free slots to waiting tickets (the grants
   * returned); otherwise changes nothing.
   */
  public List<Grant> tick(long nowMillis) {
    now = nowMillis;
    return incarnation.tick(nowMillis) ? dispatch() : List.of();
  }

  /**
   * {@code memberId} has re-asserted what it holds and sees {@code view} in the cluster; when every member anyone saw
   * has done so, a rebuilding ledger starts granting again (the grants returned).
   */
  public List<Grant> reasserted(String memberId, Collection<String> view) {
    return incarnation.heardFrom(memberId, view) ? dispatch() : List.of();
  }

  /** The format version the ledger is written in from now on (the caller's agreed version). */
  void writtenIn(int version) {
    format = version;
  }

  /** A new lease's grant time: known only once every member keeps it (a lease of V1 carries none). */
  private long grantTime() {
    return format >= WireVersion.V2_LEASE_AGE ? now : 0;
  }

  /** The format version the ledger is written in. */
  int format() {
    return format;
  }

  // ---- operations (called from entry processors) ----

  public AcquireResult acquire(AcquireRequest r) {
    return acquire(r, new ArrayList<>());
  }

  /**
   * As {@link #acquire(AcquireRequest)}; grants this step made to other waiting tickets go to {@code othersGranted}
   * (their members must be told). That happens when the request brings news that a backend has the model loaded,
   * which lets an earlier ticket holding out for a warm slot take a free one there.
   */
  public AcquireResult acquire(AcquireRequest r, List<Grant> othersGranted) {
    if (tombstones.contains(r.memberId())) {
      return AcquireResult.refused(AcquireResult.Outcome.MEMBER_DEAD, "member " + r.memberId() + " left the cluster");
    }
    Lease held = leases.get(r.ticketId());
    if (held != null) {
      return AcquireResult.granted(held.backendId(), held.seq());
    }
    TicketKey queuedKey = waitingById.get(r.ticketId());
    if (queuedKey != null) {
      if (!r.waitForWarm() && waiting.get(queuedKey).warmOnly()) {
        // re-sent by a member that stopped holding out meanwhile (after a merge, the copy here missed it)
        String mine = null;
        for (Grant g : allowCold(r.ticketId()).grants()) {
          if (g.ticketId().equals(r.ticketId())) {
            mine = g.backendId();
          } else {
            othersGranted.add(g);
          }
        }
        if (mine != null) {
          return AcquireResult.granted(mine, queuedKey.seq());
        }
      }
      return AcquireResult.queued(waiting.headMap(queuedKey).size(), queuedKey.seq());
    }
    if (ended.contains(r.ticketId())) {
      // a rejoining member still holds this request, and the mark came from purging it on the other side of a
      // split: it may queue again. Any other mark (a cancel, a release) is final.
      if (!r.rejoin() || !purgedTickets.remove(r.ticketId())) {
        return AcquireResult.refused(AcquireResult.Outcome.ALREADY_ENDED, "ticket " + r.ticketId() + " has ended");
      }
      unmarkEnded(r.ticketId());
    }
    List<String> candidateIds = new ArrayList<>();
    TreeSet<String> coldIds = new TreeSet<>();
    for (AcquireRequest.Candidate c : r.candidates()) {
      BackendSlots known = backends.computeIfAbsent(c.backendId(), id -> new BackendSlots(0, true));
      if (!known.synced) {
        // until the leader's first capacity sync: what the caller's view says (also for a backend a re-assert
        // named first, after the ledger was lost, which knows only its leases)
        known.slots = Math.max(0, c.slots());
        known.modelSlots = Math.max(0, c.modelSlots());
        known.available = true;
      }
      candidateIds.add(c.backendId());
      if (!c.warm()) {
        coldIds.add(c.backendId());
      }
    }
    candidateIds = new ArrayList<>(new TreeSet<>(candidateIds));
    List<String> cold = List.copyOf(coldIds);
    if (learnWarmth(r.model(), candidateIds, coldIds)) {
      othersGranted.addAll(dispatch());
    }
    // holding out for a warm slot only makes sense when the model is loaded somewhere among the candidates
    boolean warmOnly = r.waitForWarm() && !cold.isEmpty() && cold.size() < candidateIds.size();
    // while rebuilding, a free-looking slot may belong to a request that still runs: nothing is free yet
    List<String> free = incarnation.granting() ? usableAmong(r.model(), candidateIds, cold, r.coldCap(), warmOnly)
        : List.of();
    if (r.maxDepth() == 0 && !incarnation.granting()) {
      return AcquireResult.refused(AcquireResult.Outcome.QUEUE_FULL, "the ledger is being rebuilt after it was lost "
          + "and this request may not queue");
    }
    if (r.maxDepth() == 0 && !waiting.isEmpty()) {
      // a request that may not wait (a hedge, or a cluster run without a queue) never goes ahead of one that does
      return AcquireResult.refused(AcquireResult.Outcome.QUEUE_FULL, "requests are waiting (" + waiting.size()
          + ") and this one may not queue");
    }
    if (!free.isEmpty()) {
      String chosen = choose(free, cold, r.strategy(), r.randomDraw(), r.conversation());
      remember(r.conversation(), chosen);
      long seq = arrivalOf(r);
      grant(new Lease(r.ticketId(), chosen, r.memberId(), r.model(), r.priority(), seq, cold.contains(chosen), grantTime()));
      return AcquireResult.granted(chosen, seq);
    }
    boolean anyUsable = candidateIds.stream().map(backends::get).anyMatch(b -> b.available && b.slots > 0);
    if (!anyUsable) {
      return AcquireResult.refused(AcquireResult.Outcome.NO_CAPACITY, "no candidate backend has usable slots");
    }
    if (waiting.size() >= r.maxDepth()) {
      return AcquireResult.refused(AcquireResult.Outcome.QUEUE_FULL,
          "queue is full (" + waiting.size() + " waiting, limit " + r.maxDepth() + ")");
    }
    long seq = arrivalOf(r);
    TicketKey key = new TicketKey(seq - (long) (r.priority() - 5) * r.agingCredit(), seq);
    waiting.put(key, new Ticket(r.ticketId(), r.memberId(), r.model(), r.priority(), seq, candidateIds,
        r.strategy(), r.randomDraw(), cold, r.coldCap(), r.notifyTo(), warmOnly, r.conversation()));
    waitingById.put(r.ticketId(), key);
    // counting the tickets ahead walks the queue: skip it in the usual case, a ticket joining at the end
    return AcquireResult.queued(key.equals(waiting.lastKey()) ? waiting.size() - 1 : waiting.headMap(key).size(),
        seq);
  }

  /** A retry keeps the sequence its request arrived with; a new arrival takes the next one. */
  private long arrivalOf(AcquireRequest r) {
    return r.arrivalSeq() >= 0 ? r.arrivalSeq() : nextSeq++;
  }

  /** Frees a lease and hands the freed slot to the best waiting ticket that can use it. */
  public ReleaseResult release(String leaseId) {
    Lease lease = leases.remove(leaseId);
    if (lease == null) {
      return new ReleaseResult(ReleaseResult.Outcome.UNKNOWN, List.of());
    }
    BackendSlots b = backends.get(lease.backendId());
    if (b != null) {
      b.leases.remove(leaseId);
    }
    markEnded(leaseId);
    return new ReleaseResult(ReleaseResult.Outcome.RELEASED, dispatch());
  }

  /** WAITING -> CANCELLED. A ticket found GRANTED is reported so the canceller releases it. */
  public ReleaseResult cancel(String ticketId) {
    TicketKey key = waitingById.remove(ticketId);
    if (key != null) {
      waiting.remove(key);
      markEnded(ticketId);
      return new ReleaseResult(ReleaseResult.Outcome.CANCELLED, List.of());
    }
    if (leases.containsKey(ticketId)) {
      return new ReleaseResult(ReleaseResult.Outcome.WAS_GRANTED, List.of());
    }
    // the cancel overtook its own acquire (a retried invocation, a migration): the acquire must not queue a
    // request whose client is gone, where it would hold a slot until reconciliation noticed. A purged ticket its
    // member now cancels may not be re-queued either.
    markEnded(ticketId);
    purgedTickets.remove(ticketId);
    return new ReleaseResult(ReleaseResult.Outcome.UNKNOWN, List.of());
  }

  /**
   * A member that became leader claims the ledger: a member other than the current leader gets the next epoch,
   * the current leader keeps its own (claiming again is idempotent). A member the cluster declared dead may not
   * claim. Returns the epoch, or -1 when refused.
   */
  public long claimLeadership(String memberId) {
    if (tombstones.contains(memberId)) {
      return -1;
    }
    return fence.claim(memberId);
  }

  /** Whether {@code term} is the ledger's current leader term (null: an unfenced call, tests and tools only). */
  public boolean holds(LeaderTerm term) {
    return fence.holds(term);
  }

  /** The current leader term. */
  public LeaderTerm leaderTerm() {
    return fence.term();
  }

  /** Sets a backend's slots and whether it takes new requests, with no per-model limit. */
  public List<Grant> setCapacity(String backendId, int slots, boolean available) {
    return setCapacity(backendId, slots, 0, available);
  }

  /**
   * Sets a backend's slots, how many of them one model may hold ({@code modelSlots}; 0 = no per-model limit,
   * like an Ollama's {@code OLLAMA_NUM_PARALLEL} under its total) and whether it takes new requests; more capacity
   * is handed out at once.
   */
  public List<Grant> setCapacity(String backendId, int slots, int modelSlots, boolean available) {
    BackendSlots b = backends.computeIfAbsent(backendId, id -> new BackendSlots(0, false));
    b.slots = Math.max(0, slots);
    b.modelSlots = Math.max(0, modelSlots);
    b.available = available;
    b.synced = true;
    return dispatch();
  }

  /**
   * A ticket that waited for a warm slot may take a cold one from now on (its model's expected load time has
   * passed without a warm slot coming free): the queue is dispatched again, which may grant it one at once.
   */
  public ReleaseResult allowCold(String ticketId) {
    TicketKey key = waitingById.get(ticketId);
    if (key == null) {
      return new ReleaseResult(leases.containsKey(ticketId) ? ReleaseResult.Outcome.WAS_GRANTED
          : ReleaseResult.Outcome.UNKNOWN, List.of());
    }
    // tickets for the same model that are ahead of it have held out at least as long (a member that learned a
    // shorter load time must not let its request overtake them onto the cold slot)
    String model = waiting.get(key).model();
    for (Map.Entry<TicketKey, Ticket> e : List.copyOf(waiting.headMap(key, true).entrySet())) {
      Ticket t = e.getValue();
      if (t.warmOnly() && t.model().equals(model)) {
        waiting.put(e.getKey(), t.withWarmOnly(false));
      }
    }
    return new ReleaseResult(ReleaseResult.Outcome.COLD_ALLOWED, dispatch());
  }

  /**
   * A request reports where its model is loaded. Waiting tickets for the same model that still count one of those
   * backends as cold learn otherwise, so a ticket holding out for a warm slot is not overtaken onto it by this
   * newer request. Returns whether any ticket changed.
   */
  private boolean learnWarmth(String model, List<String> candidateIds, Set<String> coldIds) {
    if (waiting.isEmpty() || model.isEmpty()) {
      return false;
    }
    // runs on every acquire while tickets wait: no copy of the queue unless something changes
    Map<TicketKey, Ticket> changed = null;
    for (Map.Entry<TicketKey, Ticket> e : waiting.entrySet()) {
      Ticket t = e.getValue();
      if (t.cold().isEmpty() || !t.model().equals(model)) {
        continue;
      }
      List<String> stillCold = t.cold().stream()
          .filter(id -> !candidateIds.contains(id) || coldIds.contains(id)).toList();
      if (stillCold.size() != t.cold().size()) {
        if (changed == null) {
          changed = new TreeMap<>();
        }
        changed.put(e.getKey(), t.withCold(stillCold));
      }
    }
    if (changed == null) {
      return false;
    }
    waiting.putAll(changed);
    return true;
  }

  /**
   * A member left: its leases are freed, its tickets dropped, and its id tombstoned so its late operations are
   * refused. Idempotent.
   */
  public List<Grant> purgeMember(String memberId) {
    // a rebuild waits for it no longer; the dispatch below hands out whatever that opens
    incarnation.forget(memberId);
    tombstones.add(memberId);
    while (tombstones.size() > MAX_TOMBSTONES) {
      tombstones.remove(tombstones.iterator().next());
    }
    for (Lease l : List.copyOf(leases.values())) {
      if (l.memberId().equals(memberId)) {
        leases.remove(l.leaseId());
        BackendSlots b = backends.get(l.backendId());
        if (b != null) {
          b.leases.remove(l.leaseId());
        }
        markEnded(l.leaseId());
      }
    }
    for (Map.Entry<TicketKey, Ticket> e : List.copyOf(waiting.entrySet())) {
      if (e.getValue().memberId().equals(memberId)) {
        waiting.remove(e.getKey());
        waitingById.remove(e.getValue().ticketId());
        markEnded(e.getValue().ticketId());
        purgedTickets.add(e.getValue().ticketId());
        while (purgedTickets.size() > MAX_ENDED) {
          purgedTickets.remove(purgedTickets.iterator().next());
        }
      }
    }
    return dispatch();
  }

  /**
   * After a split-brain merge or a lost partition the ledger may have forgotten (or, through a purge on the other
   * side, ended) leases whose requests still run. Their holder re-asserts them: they count against the backends
   * again, even beyond the slots (nothing new is granted there until enough of them end). Idempotent.
   *
   * @return how many leases were added back
   */
  public int reassert(String memberId, List<Grant> held) {
    return reassert(memberId, held, List.of());
  }

  /**
   * As {@link #reassert(String, List)}; {@code models.get(i)} is the model of {@code held.get(i)} ("" or missing:
   * unknown), so a re-asserted lease counts against its model's per-model limit as well as the backend's slots. The
   * holder knows where its request runs: a lease the ledger has on another backend (granted by a ledger incarnation
   * whose grant came too late to count) moves to the backend named, and the slot it leaves is dispatched.
   */
  public int reassert(String memberId, List<Grant> held, List<String> models) {
    if (tombstones.contains(memberId)) {
      return 0;
    }
    int added = 0;
    for (int i = 0; i < held.size(); i++) {
      Grant g = held.get(i);
      String model = i < models.size() ? models.get(i) : "";
      Lease known = leases.get(g.ticketId());
      if (known != null && !known.backendId().equals(g.backendId())) {
        BackendSlots was = backends.get(known.backendId());
        if (was != null) {
          was.leases.remove(known.leaseId());
        }
        leases.remove(known.leaseId());
        known = null;
      }
      if (known == null) {
        backends.computeIfAbsent(g.backendId(), id -> new BackendSlots(0, false));
        TicketKey queued = waitingById.remove(g.ticketId());
        if (queued != null) {
          waiting.remove(queued);
        }
        unmarkEnded(g.ticketId());
        grant(new Lease(g.ticketId(), g.backendId(), memberId, model, 5, nextSeq++, false, grantTime()));
        added++;
      }
    }
    return added;
  }

  /** A member's leases and waiting tickets, for its reconciliation against its live requests. */
  public MemberHoldings holdingsOf(String memberId) {
    List<Grant> held = new ArrayList<>();
    leases.values().stream().filter(l -> l.memberId().equals(memberId))
        .forEach(l -> held.add(new Grant(l.leaseId(), memberId, l.backendId())));
    List<String> queued = new ArrayList<>();
    waiting.values().stream().filter(t -> t.memberId().equals(memberId)).forEach(t -> queued.add(t.ticketId()));
    return new MemberHoldings(held, queued, incarnation.id(), incarnation.awaits(memberId),
        !incarnation.granting());
  }

  /** Every member id that holds a lease or a ticket. */
  public Set<String> membersHolding() {
    Set<String> out = new TreeSet<>();
    leases.values().forEach(l -> out.add(l.memberId()));
    waiting.values().forEach(t -> out.add(t.memberId()));
    return out;
  }

  /**
   * Hands free slots to waiting tickets, best first, until no waiting ticket can use any free slot. A later
   * ticket may take a slot an earlier one cannot use (a different model's backend): that overtakes nobody.
   */
  List<Grant> dispatch() {
    if (waiting.isEmpty() || !incarnation.granting()) {
      return List.of();
    }
    int free = 0;
    for (BackendSlots b : backends.values()) {
      if (b.available) {
        free += Math.max(0, b.slots - b.leases.size());
      }
    }
    List<Grant> grants = new ArrayList<>();
    Iterator<Ticket> it = waiting.values().iterator();
    while (free > 0 && it.hasNext()) {
      Ticket t = it.next();
      List<String> candidates = usableAmong(t.model(), t.candidates(), t.cold(), t.coldCap(), t.warmOnly());
      if (candidates.isEmpty()) {
        continue;
      }
      String chosen = choose(candidates, t.cold(), t.strategy(), t.randomDraw(), t.conversation());
      remember(t.conversation(), chosen);
      it.remove();
      waitingById.remove(t.ticketId());
      grant(new Lease(t.ticketId(), chosen, t.memberId(), t.model(), t.priority(), t.seq(),
          t.cold().contains(chosen), grantTime()));
      grants.add(new Grant(t.ticketId(), t.memberId(), chosen, t.notifyTo()));
      free--;
    }
    return grants;
  }

  public LedgerSnapshot snapshot() {
    List<LedgerSnapshot.BackendLoad> loads = new ArrayList<>();
    backends.forEach((id, b) -> {
      Map<String, Integer> byModel = new TreeMap<>();
      long oldest = 0;
      for (String leaseId : b.leases) {
        Lease l = leases.get(leaseId);
        if (l != null && !l.model().isEmpty()) {
          byModel.merge(l.model(), 1, Integer::sum);
        }
        if (l != null && l.grantedAt() > 0 && (oldest == 0 || l.grantedAt() < oldest)) {
          oldest = l.grantedAt();
        }
      }
      loads.add(new LedgerSnapshot.BackendLoad(id, b.slots, b.available, b.leases.size(), b.modelSlots, byModel,
          oldest));
    });
    Map<Integer, Integer> byPriority = new TreeMap<>();
    Map<String, Integer> byModel = new TreeMap<>();
    for (Ticket t : waiting.values()) {
      byPriority.merge(t.priority(), 1, Integer::sum);
      byModel.merge(t.model(), 1, Integer::sum);
    }
    Map<String, Integer> byMember = new TreeMap<>();
    leases.values().forEach(l -> byMember.merge(l.memberId(), 1, Integer::sum));
    return new LedgerSnapshot(loads, waiting.size(), byPriority, byModel, byMember, nextSeq, incarnation.id(),
        !incarnation.granting());
  }

  // ---- internals ----

  /**
   * Candidates with a free slot this request may take: one its model has not used up (a backend's per-model
   * limit), and where its model is cold, none while it holds out for a warm slot, otherwise only while fewer than
   * {@code coldCap} requests are loading a model there (0 = no cap).
   */
  private List<String> usableAmong(String model, List<String> candidateIds, List<String> cold, int coldCap,
      boolean warmOnly) {
    List<String> free = new ArrayList<>();
    for (String id : candidateIds) {
      BackendSlots b = backends.get(id);
      boolean isCold = cold.contains(id);
      if (b != null && b.available && b.leases.size() < b.slots && !(warmOnly && isCold)
          && (coldCap == 0 || !isCold || leasesOn(b, Lease::cold) < coldCap)
          && (b.modelSlots == 0 || model.isEmpty() || leasesOn(b, l -> l.model().equals(model)) < b.modelSlots)) {
        free.add(id);
      }
    }
    return free;
  }

  /**
   * A backend's leases that match {@code which}: the cold loads on it, or one model's leases (a lease re-asserted
   * without its model counts only against the total).
   */
  private int leasesOn(BackendSlots b, Predicate<Lease> which) {
    int n = 0;
    for (String id : b.leases) {
      Lease l = leases.get(id);
      if (l != null && which.test(l)) {
        n++;
      }
    }
    return n;
  }

  private String choose(List<String> free, List<String> cold, Strategy strategy, long randomDraw, Conversation c) {
    return placement.choose(free, cold, strategy, randomDraw, c, conversations,
        id -> backends.get(id).leases.size() / (double) backends.get(id).slots);
  }

  private void remember(Conversation c, String backendId) {
    conversations.remember(c, backendId);
  }

  private void grant(Lease lease) {
    leases.put(lease.leaseId(), lease);
    backends.get(lease.backendId()).leases.add(lease.leaseId());
  }

  private void markEnded(String id) {
    if (ended.add(id)) {
      endedOrder.addLast(id);
      while (endedOrder.size() > MAX_ENDED) {
        ended.remove(endedOrder.removeFirst());
      }
    }
  }

  /** Takes an id out of both structures, so a copy made from {@code endedOrder} (backups, migration) agrees. */
  private void unmarkEnded(String id) {
    if (ended.remove(id)) {
      endedOrder.remove(id);
    }
  }

  // ---- values ----

  static final class BackendSlots {
    int slots;
    /** How many slots one model may hold at once; 0 = no per-model limit. */
    int modelSlots;
    boolean available;
    /** The leader has set its capacity; before that, acquires bring their caller's view of it. */
    boolean synced;
    final TreeSet<String> leases = new TreeSet<>();

    BackendSlots(int slots, boolean available) {
      this.slots = slots;
      this.available = available;
    }
  }

  /**
   * @param cold      whether the model was not loaded on the backend when granted (the request loads it)
   * @param grantedAt the granting operation's cluster time (epoch millis); 0 when unknown
   */
  record Lease(String leaseId, String backendId, String memberId, String model, int priority, long seq,
      boolean cold, long grantedAt) {}

  /**
   * @param cold     the candidates where the model is not loaded
   * @param coldCap  the request's cold-load cap
   * @param warmOnly holding out for a warm slot: cold candidates are not used until {@link #allowCold}
   */
  record Ticket(String ticketId, String memberId, String model, int priority, long seq, List<String> candidates,
      Strategy strategy, long randomDraw, List<String> cold, int coldCap, String notifyTo, boolean warmOnly,
      Conversation conversation) {

    Ticket withWarmOnly(boolean w) {
      return new Ticket(ticketId, memberId, model, priority, seq, candidates, strategy, randomDraw, cold, coldCap,
          notifyTo, w, conversation);
    }

    Ticket withCold(List<String> c) {
      return new Ticket(ticketId, memberId, model, priority, seq, candidates, strategy, randomDraw, c, coldCap,
          notifyTo, warmOnly, conversation);
    }
  }

  record TicketKey(long sortKey, long seq) implements Comparable<TicketKey> {
    @Override
    public int compareTo(TicketKey o) {
      int c = Long.compare(sortKey, o.sortKey);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  // ---- serialization ----

  @Override
  public int getFactoryId() {
    return LedgerSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return LedgerSerialization.POOL_LEDGER;
  }

  /** Framed in {@link #format} ({@link WireFrame}); the fields are {@link PoolLedgerFormat}'s. */
  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    WireFrame.write(out, format, body -> PoolLedgerFormat.write(this, body));
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    WireFrame.read(in, body -> PoolLedgerFormat.read(this, body));
  }

}
