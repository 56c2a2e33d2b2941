package io.corral.discovery.scan;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.corral.cluster.HostPort;
import io.corral.cluster.backends.BackendOrigin;
import io.corral.cluster.events.EventStream;
import io.corral.cluster.leader.LeaderElection;
import io.corral.discovery.BackendSpec;
import io.corral.discovery.probe.BackendMonitor;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@link ScanPlan} on the leader only: each member ticks, and the one that is leader starts a scan when
 * the shared {@link ScanStatus} says one is due (the interval has passed since the last start, or the last scan
 * was cut off with its member). Backends a scan finds are watched by the leader's {@link BackendMonitor}, which
 * fingerprints them and publishes their state to the whole cluster; a new leader adopts what the last scan found,
 * and a member that is no longer leader stops watching it. Rpc-servers, unknown endpoints and corral members are
 * recorded in the status, never registered as backends.
 *
 * <p>Runs on the Vert.x context that calls {@link #start()}; never blocks.
 */
public final class ScanSchedule {

  public static final String MAP_NAME = "corral.discovery";
  public static final String KEY = "scan";
  /** Scans in a row that must miss a scanned backend, down all along, before it is forgotten. */
  public static final int FORGET_AFTER_MISSED_SCANS = 3;

  private static final Logger log = LoggerFactory.getLogger(ScanSchedule.class);

  private final Vertx vertx;
  private final NetworkScanner scanner;
  private final IMap<String, ScanStatus> shared;
  private final LeaderElection leader;
  private final BackendMonitor monitor;
  private final ScanPlan plan;
  private final Set<HostPort> skip;
  private final Supplier<Future<Set<HostPort>>> inUse;
  private final EventStream events;
  private final InstantSource clock;
  private final String self;
  /** Backends this member watches because a scan found them (configured ones are never in here). */
  private final Set<String> scanned = new LinkedHashSet<>();
  /** How many scans in a row missed each scanned backend that is not answering. */
  private final Map<String, Integer> missedScans = new HashMap<>();
  private Context context;
  private long timerId = -1;
  private boolean busy;
  private boolean adopted;

  /**
   * @param skip  host:port pairs never to connect to (the configured backends, probed by their own members)
   * @param inUse asked before each scan: endpoints that must not be touched now (rpc-servers a coordinator uses)
   * @param self   this member's API URL, recorded as the scanning leader
   * @param events where finished scans are announced
   */
  public ScanSchedule(Vertx vertx, NetworkScanner scanner, HazelcastInstance hazelcast, LeaderElection leader,
      BackendMonitor monitor, ScanPlan plan, Set<HostPort> skip, Supplier<Future<Set<HostPort>>> inUse,
      InstantSource clock, String self, EventStream events) {
    this.inUse = inUse;
    this.events = events;
    this.vertx = vertx;
    this.scanner = scanner;
    this.shared = hazelcast.getMap(MAP_NAME);
    this.leader = leader;
    this.monitor = monitor;
    this.plan = plan;
    this.skip = Set.copyOf(skip);
    this.clock = clock;
    this.self = self;
  }

  /** Starts ticking (about once a second, or at the interval if shorter); does nothing without ranges. */
  public void start() {
    if (!plan.enabled()) {
      return;
    }
    context = vertx.getOrCreateContext();
    long tick = Math.max(100, Math.min(1000, plan.interval().toMillis()));
    context.runOnContext(v -> {
      timerId = vertx.setPeriodic(1, tick, id -> tick());
    });
  }

  public void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  /** The shared status (null before the first scan). */
  public Future<ScanStatus> status() {
    return Future.fromCompletionStage(shared.getAsync(KEY), vertx.getOrCreateContext());
  }

  private void tick() {
    if (!leader.isLeader()) {
      dropScanned();
      return;
    }
    if (busy) {
      return;
    }
    busy = true;
    Future.fromCompletionStage(shared.getAsync(KEY), context).onComplete(read -> {
      if (read.failed()) {
        busy = false;
        log.debug("event=scan_status_unreadable error={}", read.cause().toString());
        return;
      }
      ScanStatus last;
      try {
        last = read.result();
      } catch (ClassCastException foreign) {
        // written by a member of another build: scan as if there were no record (the next run rewrites it)
        log.warn("event=scan_status_unreadable error={}", foreign.toString());
        last = null;
      }
      if (!adopted) {
        adopted = true;
        adopt(last);
      }
      long now = clock.millis();
      boolean due = last == null || now >= last.startedAtMillis() + plan.interval().toMillis()
          || last.unfinished() && !last.leader().equals(self);
      if (due) {
        run(last, now);
      } else {
        busy = false;
      }
    });
  }

  private void run(ScanStatus last, long startedAt) {
    long scans = last == null ? 1 : last.scans() + 1;
    ScanStatus starting = last == null
        ? new ScanStatus(self, scans, startedAt, 0, 0, 0, 0, new String[0], new String[0], new String[0],
            new String[0])
        : new ScanStatus(self, scans, startedAt, Math.min(last.finishedAtMillis(), startedAt - 1),
            last.elapsedMillis(), last.portsTried(), last.open(), last.backends(), last.presumedRpcServers(),
            last.unknown(), last.corralMembers());
    log.info("event=scan_started scan={} ranges={} ports={}", scans,
        plan.ranges().stream().map(ScanRange::cidr).toList(), plan.ports().stream().map(ScanPort::port).toList());
    Future.fromCompletionStage(shared.setAsync(KEY, starting), context)
        .compose(v -> inUse.get().otherwise(err -> {
          // without the coordinators' list nothing is known to be safe: leave out every rpc port this time
          log.warn("event=scan_rpc_ports_skipped reason=\"{}\"", err.toString());
          return null;
        }))
        .compose(busy -> busy == null ? scanner.scan(plan.ranges(), plan.ports().stream()
            .filter(p -> p.kind() != PortKind.RPC_SERVER).toList(), skip)
            : scanner.scan(plan.ranges(), plan.ports(), union(skip, busy)))
        .onComplete(done -> {
          if (done.failed()) {
            busy = false;
            log.warn("event=scan_failed scan={} error={}", scans, done.cause().toString());
            return;
          }
          finish(scans, startedAt, done.result());
        });
  }

  private void finish(long scans, long startedAt, ScanReport report) {
    if (!leader.isLeader()) {
      busy = false;
      log.info("event=scan_dropped scan={} reason=no_longer_leader", scans);
      return;
    }
    List<FoundEndpoint> backends = report.backends();
    for (FoundEndpoint b : backends) {
      watch(new BackendSpec(b.backendId(), b.kind(), null));
    }
    forgetTheGone(backends.stream().map(b -> b.backendId().value()).collect(Collectors.toSet()));
    ScanStatus finished = new ScanStatus(self, scans, startedAt, clock.millis(), report.elapsed().toMillis(),
        report.portsTried(), report.open(), backends.stream().map(b -> b.backendId().value()).toArray(String[]::new),
        endpoints(report, EndpointStatus.PRESUMED_RPC_SERVER), endpoints(report, EndpointStatus.UNKNOWN),
        endpoints(report, EndpointStatus.CORRAL_MEMBER));
    log.info("event=scan_finished scan={} ms={} tried={} open={} backends={} presumed_rpc={} unknown={} corral={}",
        scans, report.elapsed().toMillis(), report.portsTried(), report.open(), finished.backends().length,
        finished.presumedRpcServers().length, finished.unknown().length, finished.corralMembers().length);
    events.publish("scan_finished", Long.toString(scans), report.portsTried() + " ports tried in "
        + report.elapsed().toMillis() + " ms: " + finished.backends().length + " backends, "
        + finished.presumedRpcServers().length + " presumed rpc-servers, " + finished.unknown().length + " unknown");
    Future.fromCompletionStage(shared.setAsync(KEY, finished), context).onComplete(v -> busy = false);
  }

  private static Set<HostPort> union(Set<HostPort> a, Set<HostPort> b) {
    Set<HostPort> all = new HashSet<>(a);
    all.addAll(b);
    return all;
  }

  private static String[] endpoints(ScanReport report, EndpointStatus status) {
    return report.withStatus(status).stream().map(e -> e.address() + ":" + e.port()).toArray(String[]::new);
  }

  /**
   * A scanned backend that later scans no longer find and whose probes fail is forgotten after
   * {@link #FORGET_AFTER_MISSED_SCANS} scans in a row: unwatched and removed from the shared table, so machines
   * that left the LAN do not stay listed as down forever. One that answers its probes again is kept.
   */
  private void forgetTheGone(Set<String> found) {
    for (String id : List.copyOf(scanned)) {
      if (found.contains(id) || monitor.isAlive(id)) {
        missedScans.remove(id);
        continue;
      }
      int missed = missedScans.merge(id, 1, Integer::sum);
      if (missed >= FORGET_AFTER_MISSED_SCANS) {
        log.info("event=scan_backend_forgotten backend={} missed_scans={}", id, missed);
        events.publish("backend_forgotten", id, "not found by " + missed + " scans in a row and not answering");
        scanned.remove(id);
        missedScans.remove(id);
        monitor.forget(id);
      }
    }
  }

  /** A new leader keeps watching what the last scan found until its own scan runs. */
  private void adopt(ScanStatus last) {
    if (last == null) {
      return;
    }
    for (String url : last.backends()) {
      watch(BackendSpec.parse(url));
    }
  }

  private void watch(BackendSpec spec) {
    String id = spec.id().value();
    if (!monitor.watches(id)) {
      scanned.add(id);
      monitor.watch(spec.withOrigin(BackendOrigin.SCANNED));
    }
  }

  private void dropScanned() {
    if (!scanned.isEmpty()) {
      log.info("event=scan_backends_handed_over count={} reason=not_leader", scanned.size());
      scanned.forEach(monitor::unwatch);
      scanned.clear();
      missedScans.clear();
    }
    adopted = false;
  }
}
