package io.corral.dashboard;

import io.corral.cluster.CorralMember;
import io.corral.cluster.MemberView;
import io.corral.cluster.ledger.LedgerSnapshot;
import io.corral.cluster.ledger.MemberHoldings;
import io.corral.cluster.ledger.SlotLedger;
import io.corral.cluster.stats.MemberStatsBoard;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts this member's statistics to the {@link MemberStatsBoard} every {@code statsInterval}: its traffic (from
 * the {@link TrafficTap}), its leases and waiting tickets (read from the ledger: the cluster's own truth), CPU
 * and heap. The leader also posts the ledger's cluster-wide picture (slots in use per backend, queue by
 * priority and model), so the dashboards read one document instead of each asking the ledger.
 *
 * <p>Runs on one event loop; every cluster call is async. A tick that finds the previous one unfinished (a slow
 * cluster) is skipped rather than piled up.
 */
final class MemberStatsPublisher {

  private static final Logger log = LoggerFactory.getLogger(MemberStatsPublisher.class);
  /** Posts live this many intervals: one or two missed posts do not make a member vanish from the page. */
  private static final int TTL_INTERVALS = 5;

  private final Vertx vertx;
  private final CorralMember member;
  private final SlotLedger ledger;
  private final MemberStatsBoard board;
  private final TrafficTap tap;
  private final Duration interval;
  private final InstantSource clock;
  private final Supplier<JsonObject> dashboardPort;
  private final Runnable leaderChores;
  /** First time each of this member's waiting tickets was seen: the oldest wait, to one interval. */
  private final Map<String, Long> waitingSince = new HashMap<>();
  private final int cores = Runtime.getRuntime().availableProcessors();
  private final CpuSampler cpuSampler = new CpuSampler();
  private Context context;
  private long timer = -1;
  private boolean busy;

  MemberStatsPublisher(Vertx vertx, CorralMember member, SlotLedger ledger, MemberStatsBoard board, TrafficTap tap,
      Duration interval, InstantSource clock, Supplier<JsonObject> dashboardPort, Runnable leaderChores) {
    this.vertx = vertx;
    this.member = member;
    this.ledger = ledger;
    this.board = board;
    this.tap = tap;
    this.interval = interval;
    this.clock = clock;
    this.dashboardPort = dashboardPort;
    this.leaderChores = leaderChores;
  }

  void start(Context on) {
    this.context = on;
    on.runOnContext(v -> {
      tick();
      timer = vertx.setPeriodic(interval.toMillis(), id -> tick());
    });
  }

  void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void tick() {
    if (busy || !member.isRunning()) {
      return;
    }
    busy = true;
    boolean leader = member.leaderElection().isLeader();
    String self = member.localId().toString();
    Future<MemberHoldings> holdings = Future.fromCompletionStage(ledger.holdingsOf(self), context);
    Future<LedgerSnapshot> snapshot = leader ? Future.fromCompletionStage(ledger.snapshot(), context)
        : Future.succeededFuture();
    Future.join(holdings, snapshot).onComplete(done -> {
      try {
        JsonObject doc = document(leader, holdings.succeeded() ? holdings.result() : null,
            snapshot.succeeded() ? snapshot.result() : null);
        board.post(self, doc.encode(), interval.multipliedBy(TTL_INTERVALS)).whenComplete((v, err) -> {
          if (err != null) {
            log.debug("event=stats_post_failed error={}", err.toString());
          }
        });
        if (leader) {
          leaderChores.run();
        }
      } catch (RuntimeException e) {
        log.warn("event=stats_tick_failed error={}", e.toString(), e);
      } finally {
        busy = false;
      }
    });
  }

  private JsonObject document(boolean leader, MemberHoldings holdings, LedgerSnapshot snapshot) {
    long now = clock.millis();
    MemberView me = member.self();
    JsonObject doc = tap.toJson()
        .put("id", me.id()).put("name", me.name()).put("apiUrl", me.apiUrl()).put("address", me.address())
        .put("startedAt", me.startedAtMillis()).put("postedAt", now).put("leader", leader)
        .put("dashboardPort", dashboardPort.get());
    if (holdings != null) {
      Set<String> current = new HashSet<>(holdings.waiting());
      waitingSince.keySet().retainAll(current);
      for (String t : current) {
        waitingSince.putIfAbsent(t, now);
      }
      long oldest = waitingSince.values().stream().mapToLong(Long::longValue).min().orElse(now);
      doc.put("inFlight", holdings.leases().size()).put("queueHeld", current.size())
          .put("oldestWaitMs", now - oldest);
    }
    jvm(doc, now);
    if (snapshot != null) {
      doc.put("ledger", ledgerJson(snapshot));
    }
    return doc;
  }

  private void jvm(JsonObject doc, long nowMillis) {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    doc.put("heap", new JsonObject().put("used", heap.getUsed()).put("max", heap.getMax())
        .put("committed", heap.getCommitted()));
    JsonObject cpu = new JsonObject().put("cores", cores);
    cpuSampler.sample(nowMillis, cpu);
    doc.put("cpu", cpu).put("threads", ManagementFactory.getThreadMXBean().getThreadCount());
  }

  static JsonObject ledgerJson(LedgerSnapshot s) {
    JsonArray backends = new JsonArray();
    for (LedgerSnapshot.BackendLoad b : s.backends()) {
      backends.add(new JsonObject().put("id", b.backendId()).put("slots", b.slots()).put("available", b.available())
          .put("inFlight", b.inFlight()));
    }
    JsonObject byPriority = new JsonObject();
    new TreeMap<>(s.depthByPriority()).forEach((p, n) -> byPriority.put(Integer.toString(p), n));
    JsonObject byModel = new JsonObject();
    new TreeMap<>(s.depthByModel()).forEach(byModel::put);
    JsonObject byMember = new JsonObject();
    new TreeMap<>(s.leasesByMember()).forEach(byMember::put);
    return new JsonObject().put("queueDepth", s.queueDepth()).put("byPriority", byPriority).put("byModel", byModel)
        .put("arrivals", s.nextSeq()).put("backends", backends).put("leasesByMember", byMember);
  }
}
