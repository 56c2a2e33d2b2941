package io.corral.router.routing;

import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.ledger.AcquireRequest;
import io.corral.cluster.ledger.AcquireResult;
import io.corral.cluster.ledger.Grant;
import io.corral.cluster.ledger.GrantNotifier;
import io.corral.cluster.ledger.MemberHoldings;
import io.corral.cluster.ledger.ReleaseResult;
import io.corral.cluster.ledger.SlotLedger;
import io.corral.router.time.Ticker;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Grants slots through the cluster-wide {@link SlotLedger}: one acquire entry processor when a slot is free, one
 * release when the request ends (the fast path's two round trips). When nothing is free the request waits in the
 * ledger's single queue; the member that frees a slot grants it to the best waiting ticket and tells that
 * ticket's member over its grant topic.
 *
 * <p>Implementation notes. Every request is registered locally (as pending, then as an active lease) before the
 * ledger hears of it, and is removed only after it is settled, so the periodic reconciliation (ledger holdings
 * vs local requests) never frees something that is still wanted: it frees leases and tickets nobody here holds
 * any more (a release or cancel that failed, a grant for a request that has gone) and completes grants whose
 * notice was lost. A pending request is settled exactly once, by whichever comes first: grant, timeout, client
 * gone, refusal. A grant can be seen twice (the acquire result or notice, and reconciliation); only the first
 * sighting counts, and nothing but a request's own release or cancel ever frees its lease.
 */
public final class LedgerSelector implements BackendSelector, AutoCloseable {

  private final Ticker ticker;

  private static final Logger log = LoggerFactory.getLogger(LedgerSelector.class);

  private final Vertx vertx;
  private final SlotLedger ledger;
  private final GrantNotifier notifier;
  private final Supplier<String> localMemberId;
  private final QueueSettings settings;
  private final WarmModels warm;
  private volatile String subscribedAs;
  /** Where the ledger's owner sends direct grant notices for this member's tickets; "" = topic only. */
  private volatile String noticeAddress = "";
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private final Map<String, Lease> active = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> here = new ConcurrentHashMap<>();
  /** Ids released or cancelled here recently (nanoTime), so reconciliation does not chase them. */
  private final Map<String, Long> ended = new ConcurrentHashMap<>();
  private final SplittableRandom random = new SplittableRandom();
  private long reconcileTimer = -1;
  /** The ledger incarnation this member last saw ("" before its first reconciliation). */
  private volatile String knownIncarnation = "";
  private final AtomicBoolean resetScheduled = new AtomicBoolean();
  /** The timer that ends a rebuild, set by the last reset (guarded by this). */
  private long tickTimer = -1;

  /**
   * @param localMemberId this member's current UUID (it changes when the member merges into another cluster)
   */
  public LedgerSelector(Vertx vertx, SlotLedger ledger, GrantNotifier notifier, Supplier<String> localMemberId,
      QueueSettings settings) {
    this(vertx, ledger, notifier, localMemberId, settings, new WarmModels(), Ticker.SYSTEM);
  }

  /** @param warm which candidates have the request's model loaded (preferred; cold ones are capped) */
  public LedgerSelector(Vertx vertx, SlotLedger ledger, GrantNotifier notifier, Supplier<String> localMemberId,
      QueueSettings settings, WarmModels warm, Ticker ticker) {
    this.ticker = ticker;
    this.warm = warm;
    this.vertx = vertx;
    this.ledger = ledger;
    this.notifier = notifier;
    this.localMemberId = localMemberId;
    this.settings = settings;
  }

  /**
   * Asks the ledger to send grant notices for tickets queued from now on straight to {@code address}
   * ({@link GrantNoticeSocket}), whose notices must be handed to {@link #acceptNotice}. Set once the socket is bound,
   * which needs this selector first.
   */
  public void takeNoticesAt(String address) {
    this.noticeAddress = address == null ? "" : address;
  }

  /** A grant notice that arrived directly (a datagram); one that matches no waiting request here is ignored. */
  public void acceptNotice(Grant g) {
    onGrant(g);
  }

  public void start() {
    subscribedAs = localMemberId.get();
    notifier.subscribe(subscribedAs, this::onGrant);
    reconcileTimer = vertx.setPeriodic(settings.reconcileEvery().toMillis(), id -> reconcile());
  }

  @Override
  public Future<SlotLease> acquire(RouteRequest request) {
    Context ctx = vertx.getOrCreateContext();
    String ticket = UUID.randomUUID().toString();
    Pending p = new Pending(ticket, ctx, request);
    pending.put(ticket, p);
    List<AcquireRequest.Candidate> candidates = new ArrayList<>();
    boolean anyWarm = false;
    boolean anyCold = false;
    for (BackendState b : request.candidates()) {
      boolean isWarm = warm.isWarm(b, request.model());
      anyWarm |= isWarm;
      anyCold |= !isWarm;
      candidates.add(new AcquireRequest.Candidate(b.id(), b.slots(), isWarm, b.modelSlots()));
    }
    // hold out for a warm slot only where there is a choice, and never for a request that may not wait
    boolean waitForWarm = anyWarm && anyCold && request.mayWait() && !settings.coldWait().isZero();
    long draw;
    synchronized (random) {
      draw = random.nextLong();
    }
    p.acquire = new AcquireRequest(ticket, localMemberId.get(), request.model(), request.priority(), candidates,
        request.strategy(), draw, request.mayWait() ? settings.maxDepth() : 0, settings.agingCredit(),
        request.arrivalSeq(), settings.coldLoadsPerBackend(), noticeAddress, waitForWarm, false,
        request.conversation());
    submit(p);
    request.clientGone().onComplete(v -> abandon(p));
    return p.promise.future();
  }

  private void submit(Pending p) {
    if (!p.waiting()) {
      // a re-queue after a cluster reset, for a request that was granted or gave up meanwhile: an acquire now
      // would hold a slot (or a place in the queue) for nobody
      return;
    }
    AcquireRequest request = p.coldAllowed ? p.acquire.withColdAllowed() : p.acquire;
    HazelcastCompletions.onContext(ledger.acquire(request), p.ctx).onComplete(res -> {
      if (res.failed()) {
        refuse(p, refusal(res.cause()));
      } else {
        onAcquired(p, res.result());
      }
    });
  }

  /**
   * After a split-brain merge (this member now has a new UUID) or a lost or remade ledger entry. Called from
   * Hazelcast's event threads, sometimes several times in a row (an entry removed, then made again): the work runs
   * once per burst, on a worker thread, one at a time ({@link #resetNow}).
   */
  public void onClusterReset() {
    if (resetScheduled.compareAndSet(false, true)) {
      vertx.executeBlocking(() -> {
        resetScheduled.set(false);
        resetNow();
        return null;
      }, false).onFailure(err -> log.warn("event=reassert_failed error={}", err.toString()));
    }
  }

  /**
   * Listens for grants under the current UUID, queues this member's waiting requests again (same ticket ids, so
   * nothing is counted twice), then puts its running requests back into the ledger. In that order, from this
   * thread, so a rebuilding ledger has this member's whole queue before the re-assert tells it this member is done;
   * and a timer ends the rebuild when its wait is over, should nothing else.
   */
  private synchronized void resetNow() {
    String now = localMemberId.get();
    if (!now.equals(subscribedAs)) {
      notifier.close();
      notifier.subscribe(now, this::onGrant);
      subscribedAs = now;
    }
    for (Pending p : List.copyOf(pending.values())) {
      if (p.waiting() && p.acquire != null) {
        p.acquire = p.acquire.forMember(now);
        submit(p);
      }
    }
    List<Lease> running = new ArrayList<>();
    List<Grant> held = new ArrayList<>();
    List<String> models = new ArrayList<>();
    for (Lease l : active.values()) {
      if (!l.released.get()) {
        running.add(l);
        held.add(new Grant(l.id, now, l.backend.id()));
        models.add(l.model);
      }
    }
    ledger.reassert(now, held, models).whenComplete((added, err) -> {
      if (err != null) {
        log.warn("event=reassert_failed error={}", err.toString());
      } else {
        log.info("event=leases_reasserted member={} held={} added={}", now, held.size(), added);
        // a request that ended while the reassert was on its way may have had its release applied first, and
        // the reassert then brought its lease back: release it again (a second release changes nothing)
        running.stream().filter(l -> l.released.get()).forEach(l -> releaseId(l.id));
      }
    });
    if (tickTimer >= 0) {
      vertx.cancelTimer(tickTimer);
    }
    tickTimer = vertx.setTimer(SlotLedger.REBUILD_WAIT.toMillis() + 250, id -> tick());
  }

  /** Ends a rebuild whose wait is over (the ledger decides, by the cluster's clock) and hands out what it grants. */
  private void tick() {
    HazelcastCompletions.whenDone(ledger.tick(), (res, err) -> {
      if (err == null) {
        deliver(res.grants());
      }
    });
  }

  private void onAcquired(Pending p, AcquireResult r) {
    if (r.seq() >= 0) {
      p.seq = r.seq();
    }
    switch (r.outcome()) {
      case GRANTED -> {
        // already GRANTED means reconciliation saw this grant first: same lease, nothing to do; ENDED means the
        // request gave up meanwhile, and its cancel finds the lease and releases it
        if (p.toGranted()) {
          p.promise.complete(newLease(p, r.backendId()));
          pending.remove(p.ticket);
        }
      }
      case QUEUED -> {
        if (p.waiting() && p.timer < 0) {
          p.timer = vertx.setTimer(settings.maxWait().toMillis(), id -> timeout(p));
        }
        if (p.waiting() && p.acquire.waitForWarm() && !p.coldAllowed && p.coldTimer < 0) {
          // at most half the queue's wait, so a request that stops holding out still has time to take a cold slot
          long hold = Math.min(warm.expectedLoadTime(p.request.model(), settings.coldWait()).toMillis(),
              settings.maxWait().toMillis() / 2);
          p.coldTimer = vertx.setTimer(Math.max(1, hold), id -> allowCold(p));
        }
      }
      case QUEUE_FULL -> refuse(p, new AdmissionRefused(429, "queue_full", "all backends for '" + p.request.model()
          + "' are busy and the cluster-wide queue is full: " + r.reason(), 1));
      case NO_CAPACITY -> refuse(p, new AdmissionRefused(503, "no_capacity", "no backend for '"
          + p.request.model() + "' has a usable slot right now", 5));
      case MEMBER_DEAD -> refuse(p, new AdmissionRefused(503, "member_fenced",
          "this member was declared gone by the cluster and may not grant slots; it must rejoin", 5));
      case ALREADY_ENDED -> refuse(p, new AdmissionRefused(503, "ticket_ended", "request already ended", 1));
    }
  }

  private void refuse(Pending p, AdmissionRefused why) {
    if (p.toEnded()) {
      pending.remove(p.ticket);
      p.promise.fail(why);
    }
  }

  /**
   * A grant for one of this member's tickets: from the member that freed the slot (on a Hazelcast thread), or
   * from reconciliation when that notice was lost. Completes the request once; a second sighting of the same
   * grant changes nothing, and a grant for a request that gave up is released by that request's cancel.
   */
  private void onGrant(Grant g) {
    Pending p = pending.get(g.ticketId());
    if (p == null) {
      return;
    }
    if (p.request.candidates().stream().noneMatch(b -> b.id().equals(g.backendId()))) {
      log.warn("event=grant_ignored ticket={} backend={} reason=not_a_candidate", g.ticketId(), g.backendId());
      return;
    }
    p.ctx.runOnContext(v -> {
      if (p.toGranted()) {
        cancelTimer(p);
        p.promise.complete(newLease(p, g.backendId()));
        pending.remove(p.ticket);
      }
    });
  }

  /**
   * A request held out for a warm slot for as long as loading its model takes: loading it on a free backend is now
   * no slower than waiting on, so it may take a cold slot too.
   */
  private void allowCold(Pending p) {
    p.coldTimer = -1;
    if (!p.waiting()) {
      return;
    }
    // a re-queue after a cluster reset must not hold out again (read by submit(); p.acquire itself is rewritten
    // by the cluster-reset path on another thread)
    p.coldAllowed = true;
    log.debug("event=cold_allowed ticket={} model={}", p.ticket, p.request.model());
    HazelcastCompletions.whenDone(ledger.allowCold(p.ticket), (res, err) -> {
      if (err != null) {
        log.warn("event=allow_cold_failed ticket={} error={} (retried in 1 s)", p.ticket, err.toString());
        p.ctx.runOnContext(v -> {
          if (p.waiting() && p.coldTimer < 0) {
            p.coldTimer = vertx.setTimer(1000, id -> allowCold(p));
          }
        });
      } else {
        deliver(res.grants());
      }
    });
  }

  private void timeout(Pending p) {
    p.timer = -1;
    if (p.toEnded()) {
      cancelTimer(p);
      ended.put(p.ticket, ticker.nanoTime());
      pending.remove(p.ticket);
      cancelTicket(p.ticket);
      p.promise.fail(new AdmissionRefused(503, "queue_timeout", "waited " + settings.maxWait().toSeconds()
          + " s for a free slot for '" + p.request.model() + "'; the backends are saturated", 5));
    }
  }

  private void abandon(Pending p) {
    if (p.toEnded()) {
      cancelTimer(p);
      ended.put(p.ticket, ticker.nanoTime());
      pending.remove(p.ticket);
      cancelTicket(p.ticket);
      p.promise.fail(new AdmissionRefused(499, "client_gone", "client disconnected while waiting", 0));
    }
  }

  private void cancelTicket(String ticket) {
    ended.put(ticket, ticker.nanoTime());
    HazelcastCompletions.whenDone(ledger.cancel(ticket), (res, err) -> {
      if (err != null) {
        ended.remove(ticket);
        log.warn("event=cancel_failed ticket={} error={} (reconciliation will retry)", ticket, err.toString());
      } else if (res.outcome() == ReleaseResult.Outcome.WAS_GRANTED) {
        releaseId(ticket);
      }
    });
  }

  private void releaseId(String id) {
    ended.put(id, ticker.nanoTime());
    HazelcastCompletions.whenDone(ledger.release(id), (res, err) -> {
      if (err != null) {
        ended.remove(id);
        log.warn("event=release_failed lease={} error={} (reconciliation will retry)", id, err.toString());
      } else {
        deliver(res.grants());
      }
    });
  }

  /**
   * Hands a grant for a ticket this member holds straight to it. The ledger's partition owner also sends every
   * grant as a notice to its ticket's member (and that is how other members hear of theirs); whichever arrives
   * first counts.
   */
  private void deliver(List<Grant> grants) {
    if (grants.isEmpty()) {
      return;
    }
    String me = localMemberId.get();
    for (Grant g : grants) {
      if (g.memberId().equals(me)) {
        onGrant(g);
      }
    }
  }

  private Lease newLease(Pending p, String backendId) {
    BackendState backend = p.request.candidates().stream().filter(b -> b.id().equals(backendId)).findFirst()
        .orElseThrow(() -> new IllegalStateException("ledger granted " + backendId + ", not a candidate"));
    Lease lease = new Lease(p.ticket, backend, p.seq, p.request.model());
    active.put(p.ticket, lease);
    here.computeIfAbsent(backendId, k -> new AtomicInteger()).incrementAndGet();
    return lease;
  }

  /**
   * Compares the ledger's view of this member with what it really holds, and mends the difference. Ids that
   * ended here in the last few seconds are skipped: their release or cancel may still be on its way, and the
   * holdings read may predate it.
   */
  void reconcile() {
    long horizon = ticker.nanoTime() - TimeUnit.SECONDS.toNanos(10);
    ended.values().removeIf(t -> t < horizon);
    long asked = ticker.nanoTime();
    ledger.holdingsOf(localMemberId.get()).whenComplete((MemberHoldings h, Throwable err) -> {
      if (err != null) {
        log.debug("event=reconcile_failed error={}", err.toString());
        return;
      }
      reconcileWith(h, asked);
    });
  }

  /** As {@link #reconcileWith(MemberHoldings, long)} for a read asked for now. */
  void reconcileWith(MemberHoldings h) {
    reconcileWith(h, ticker.nanoTime());
  }

  /**
   * Mends the difference between a (possibly already stale) read of the ledger and the requests here. The read
   * predates whatever happened here since, so an id is an orphan only if this member has never heard of it or
   * has long forgotten it; see {@link #knownHere}.
   */
  void reconcileWith(MemberHoldings h, long askedNanos) {
    String seen = knownIncarnation;
    knownIncarnation = h.incarnation();
    boolean holdsAnything = !active.isEmpty() || !pending.isEmpty();
    if (h.awaitingYou() || (!seen.isEmpty() && !seen.equals(h.incarnation()))
        || (h.incarnation().isEmpty() && holdsAnything)) {
      // the ledger was made again (or is gone) since this member last looked; an entry listener usually says so
      // first, but a replaced entry sends no event this member listens to
      log.warn("event=ledger_reset_detected seen={} now={} awaiting_us={} action=reassert_leases", seen,
          h.incarnation(), h.awaitingYou());
      onClusterReset();
      return;
    }
    if (h.rebuilding()) {
      // every member asks again while a rebuild lasts: one whose timer came too early is not the only chance
      tick();
    }
    reassertMisplaced(h, askedNanos);
    for (Grant g : h.leases()) {
      String id = g.ticketId();
      Pending p = pending.get(id);
      if (p != null) {
        if (p.waiting()) {
          log.info("event=grant_recovered ticket={} backend={}", id, g.backendId());
          onGrant(g);
        }
      } else if (!knownHere(id)) {
        log.info("event=orphan_lease_released lease={} backend={}", id, g.backendId());
        releaseId(id);
      }
    }
    for (String ticket : h.waiting()) {
      if (!knownHere(ticket)) {
        log.info("event=orphan_ticket_cancelled ticket={}", ticket);
        cancelTicket(ticket);
      }
    }
  }

  /**
   * A request that runs here on one backend while the ledger has it on another, or still waiting: the grant it runs
   * on came from an earlier ledger incarnation, after the request had been queued again. Only requests that began
   * running before the ledger was read count (the ledger grants before a request runs, so for those the read cannot
   * be merely stale). They are re-asserted where they run: the ledger moves the lease, or takes the ticket out of
   * its queue, and hands out the slot left behind.
   */
  private void reassertMisplaced(MemberHoldings h, long askedNanos) {
    List<Lease> misplaced = new ArrayList<>();
    for (Grant g : h.leases()) {
      Lease l = active.get(g.ticketId());
      if (l != null && l.runningSince < askedNanos && !l.released.get() && !l.backend.id().equals(g.backendId())) {
        misplaced.add(l);
      }
    }
    for (String ticket : h.waiting()) {
      Lease l = active.get(ticket);
      if (l != null && l.runningSince < askedNanos && !l.released.get()) {
        misplaced.add(l);
      }
    }
    if (misplaced.isEmpty()) {
      return;
    }
    String me = localMemberId.get();
    log.warn("event=misplaced_leases_reasserted count={}", misplaced.size());
    ledger.reassert(me, misplaced.stream().map(l -> new Grant(l.id, me, l.backend.id())).toList(),
        misplaced.stream().map(l -> l.model).toList()).whenComplete((added, err) -> {
          if (err == null) {
            // one that ended while the re-assert was on its way: release it again (changes nothing if done)
            misplaced.stream().filter(l -> l.released.get()).forEach(l -> releaseId(l.id));
          }
        });
  }

  /**
   * Whether this member holds (or recently ended) the id. A request moves pending -> active -> ended, or pending
   * -> ended, and every move adds it to the next map before removing it from the previous one; looking in that
   * same order therefore finds it even while it moves on another thread. A ticket granted after the ledger was
   * read is active here but still listed as waiting in the read: cancelling it would free a running slot.
   */
  private boolean knownHere(String id) {
    return pending.containsKey(id) || active.containsKey(id) || ended.containsKey(id);
  }

  @Override
  public int inFlightHere(String backendId) {
    AtomicInteger n = here.get(backendId);
    return n == null ? 0 : n.get();
  }

  private void cancelTimer(Pending p) {
    if (p.timer >= 0) {
      vertx.cancelTimer(p.timer);
      p.timer = -1;
    }
    if (p.coldTimer >= 0) {
      vertx.cancelTimer(p.coldTimer);
      p.coldTimer = -1;
    }
  }

  /**
   * Hands back everything this member holds (waiting tickets, then leases) before it leaves the cluster.
   * Blocking, bounded; call off the event loop.
   */
  @Override
  public void close() {
    if (reconcileTimer >= 0) {
      vertx.cancelTimer(reconcileTimer);
    }
    List<CompletableFuture<?>> calls = new ArrayList<>(cancelWaiting());
    for (Lease l : List.copyOf(active.values())) {
      if (l.released.compareAndSet(false, true)) {
        active.remove(l.id);
        // the ledger's owner tells the members that get these slots; this member is leaving and takes no new work
        calls.add(ledger.release(l.id).toCompletableFuture());
      }
    }
    awaitHandBack(calls);
    notifier.close();
  }

  /**
   * The first step of a graceful stop: every request still waiting here leaves the queue (its client gets a 503
   * to retry on another member) while running requests go on. Blocking, bounded; call off the event loop.
   */
  public void stopWaiting() {
    awaitHandBack(cancelWaiting());
  }

  private static void awaitHandBack(List<CompletableFuture<?>> calls) {
    try {
      CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("event=handback_incomplete error={}", e.toString());
    }
  }

  private List<CompletableFuture<?>> cancelWaiting() {
    List<CompletableFuture<?>> calls = new ArrayList<>();
    for (Pending p : List.copyOf(pending.values())) {
      if (p.toEnded()) {
        pending.remove(p.ticket);
        calls.add(ledger.cancel(p.ticket).thenCompose(res -> res.outcome() == ReleaseResult.Outcome.WAS_GRANTED
            ? ledger.release(p.ticket) : CompletableFuture.completedFuture(null)).toCompletableFuture());
        p.ctx.runOnContext(v -> p.promise.tryFail(new AdmissionRefused(503, "member_stopping",
            "this member is shutting down; send the request to another member", 1)));
      }
    }
    return calls;
  }

  private final class Lease implements SlotLease {
    final String id;
    final BackendState backend;
    final long arrivalSeq;
    final String model;
    /** When it began running here (nanoTime): after the ledger granted it. */
    final long runningSince = ticker.nanoTime();
    final AtomicBoolean released = new AtomicBoolean();

    Lease(String id, BackendState backend, long arrivalSeq, String model) {
      this.id = id;
      this.backend = backend;
      this.arrivalSeq = arrivalSeq;
      this.model = model;
    }

    @Override
    public BackendState backend() {
      return backend;
    }

    @Override
    public long arrivalSeq() {
      return arrivalSeq;
    }

    @Override
    public void release() {
      if (released.compareAndSet(false, true)) {
        ended.put(id, ticker.nanoTime());
        active.remove(id);
        here.get(backend.id()).decrementAndGet();
        releaseId(id);
      }
    }
  }

  /** A request waiting for its slot. It leaves WAITING exactly once: GRANTED (it runs) or ENDED (it gave up). */
  private static final class Pending {
    enum State { WAITING, GRANTED, ENDED }

    final String ticket;
    final Context ctx;
    final RouteRequest request;
    final Promise<SlotLease> promise = Promise.promise();
    final AtomicReference<State> state = new AtomicReference<>(State.WAITING);
    volatile AcquireRequest acquire;
    /**
     * The arrival sequence the ledger gave it (from the acquire's answer; -1 in the rare case a grant notice
     * overtook that answer, when a retry then counts as a new arrival).
     */
    volatile long seq = -1;
    long timer = -1;
    /** Fires when the request stops holding out for a warm slot ({@link AcquireRequest#waitForWarm()}). */
    long coldTimer = -1;
    /** Set once it stopped holding out: every later acquire of this request may take a cold slot. */
    volatile boolean coldAllowed;

    Pending(String ticket, Context ctx, RouteRequest request) {
      this.ticket = ticket;
      this.ctx = ctx;
      this.request = request;
    }

    boolean toGranted() {
      return state.compareAndSet(State.WAITING, State.GRANTED);
    }

    boolean toEnded() {
      return state.compareAndSet(State.WAITING, State.ENDED);
    }

    boolean waiting() {
      return state.get() == State.WAITING;
    }
  }

  static AdmissionRefused refusal(Throwable err) {
    Throwable t = err;
    while (t != null) {
      if (t instanceof SplitBrainProtectionException) {
        return new AdmissionRefused(503, "cluster_minority", "this member sees too few cluster members to grant "
            + "slots safely (split-brain protection); try another member", 5);
      }
      t = t.getCause();
    }
    return new AdmissionRefused(503, "cluster_unavailable", "the cluster could not grant a slot: " + err, 2);
  }
}
