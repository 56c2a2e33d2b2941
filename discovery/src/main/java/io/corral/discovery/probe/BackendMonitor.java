package io.corral.discovery.probe;

import io.corral.cluster.backends.BackendHealth;
import io.corral.cluster.backends.BackendKind;
import io.corral.cluster.backends.BackendOrigin;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.backends.BackendTimeouts;
import io.corral.cluster.events.EventStream;
import io.corral.discovery.BackendSpec;
import io.corral.discovery.fingerprint.BackendFingerprinter;
import io.corral.discovery.fingerprint.Fingerprint;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the shared state of the backends this member was configured with current: fingerprints each one at
 * start and then on an interval, and publishes a new {@link BackendState} when something changed (kind, health,
 * models, loaded models, slots). Health checks of backends are the one thing allowed to run on a timer; the
 * router itself never polls its own state.
 *
 * <p>Runs on the Vert.x context that calls {@link #start()}; never blocks.
 */
public final class BackendMonitor {

  private static final Logger log = LoggerFactory.getLogger(BackendMonitor.class);

  private final Vertx vertx;
  private final BackendFingerprinter fingerprinter;
  private final BackendRegistry registry;
  /** Configured backends plus those the leader's scan added, by id. */
  private final Map<String, BackendSpec> specs = new ConcurrentHashMap<>();
  private final Duration interval;
  private final InstantSource clock;
  private final String memberId;
  private final Predicate<String> drained;
  /** Whether a backend is still in the admin API's shared list (removed there: never published again). */
  private Predicate<String> adminAdded = id -> true;
  private final EventStream events;
  private long timerId = -1;

  public BackendMonitor(Vertx vertx, BackendFingerprinter fingerprinter, BackendRegistry registry,
      List<BackendSpec> specs, Duration interval, InstantSource clock, String memberId) {
    this(vertx, fingerprinter, registry, specs, interval, clock, memberId, id -> false, null);
  }

  /**
   * @param drained whether an operator drains a backend: a healthy one is then published as draining
   * @param events  where health and kind changes are announced; null for none
   */
  public BackendMonitor(Vertx vertx, BackendFingerprinter fingerprinter, BackendRegistry registry,
      List<BackendSpec> specs, Duration interval, InstantSource clock, String memberId, Predicate<String> drained,
      EventStream events) {
    this.drained = drained;
    this.events = events;
    this.vertx = vertx;
    this.fingerprinter = fingerprinter;
    this.registry = registry;
    specs.forEach(spec -> this.specs.put(spec.id().value(), spec));
    this.interval = interval;
    this.clock = clock;
    this.memberId = memberId;
  }

  /**
   * Tells the monitor where the admin API's list of backends is: a probe of an admin-added backend that finishes
   * after the backend was removed there publishes nothing. Call before {@link #start()}.
   */
  public BackendMonitor withAdminList(Predicate<String> stillAdded) {
    this.adminAdded = stillAdded;
    return this;
  }

  /** Probes every configured backend once (the future completes when all are published), then periodically. */
  public Future<Void> start() {
    Future<Void> first = probeAll();
    timerId = vertx.setPeriodic(interval.toMillis(), id -> probeAll());
    return first;
  }

  public void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  /** Probes every watched backend now. */
  public Future<Void> probeAll() {
    List<Future<Void>> all = new ArrayList<>();
    for (BackendSpec spec : List.copyOf(specs.values())) {
      all.add(probe(spec));
    }
    return Future.join(all).mapEmpty();
  }

  /**
   * Watches one more backend (found by a scan) from now on, probing it at once; a backend already watched keeps
   * its spec (configured options win over what a scan guessed).
   */
  public Future<Void> watch(BackendSpec spec) {
    if (specs.putIfAbsent(spec.id().value(), spec) != null) {
      return Future.succeededFuture();
    }
    return probe(spec);
  }

  /** Probes one watched backend now (after it was drained or enabled); does nothing for others. */
  public Future<Void> refresh(String backendId) {
    BackendSpec spec = specs.get(backendId);
    return spec == null ? Future.succeededFuture() : probe(spec);
  }

  /** Stops watching a backend added by {@link #watch}; its shared state stays as last published. */
  public void unwatch(String backendId) {
    specs.remove(backendId);
  }

  /** Stops watching a backend and removes it from the shared table (a scanned one that stayed gone). */
  public Future<Void> forget(String backendId) {
    specs.remove(backendId);
    return Future.fromCompletionStage(registry.remove(backendId), vertx.getOrCreateContext());
  }

  /** Whether the shared table has the backend up (or draining) right now. */
  public boolean isAlive(String backendId) {
    return registry.get(backendId).map(b -> b.health() == BackendHealth.UP
        || b.health() == BackendHealth.DRAINING).orElse(false);
  }

  /** Whether this member watches the backend. */
  public boolean watches(String backendId) {
    return specs.containsKey(backendId);
  }

  private Future<Void> probe(BackendSpec spec) {
    if (spec.kind() == BackendKind.RPC_SERVER) {
      return listRpcServer(spec);
    }
    return fingerprinter.probe(spec.id(), spec.kind(), spec.origin()).compose(fp -> {
      if (specs.get(spec.id().value()) != spec
          || (spec.origin() == BackendOrigin.ADMIN && !adminAdded.test(spec.id().value()))) {
        // unwatched or forgotten (removed through the admin API, say) while the probe ran: publishing now would
        // bring it back into the shared table
        return Future.succeededFuture();
      }
      BackendState next = toState(spec, fp);
      BackendState before = registry.get(spec.id().value()).orElse(null);
      if (before != null && sameContent(before, next)) {
        return Future.succeededFuture();
      }
      if (before == null || before.health() != next.health() || before.kind() != next.kind()) {
        log.info("event=backend_state backend={} kind={} health={} models={} slots={} error=\"{}\"", next.id(),
            next.kind().wireName(), next.health().wireName(), next.models(), next.slots(), next.lastError());
        if (events != null) {
          events.publish("backend_state", next.id(), next.kind().wireName() + " " + next.health().wireName()
              + (before == null ? "" : " (was " + before.health().wireName() + ")")
              + (next.lastError().isEmpty() ? "" : ": " + next.lastError()));
        }
      }
      if (before != null) {
        announceModelChanges(before, next);
      }
      return Future.fromCompletionStage(registry.publish(next), vertx.getOrCreateContext());
    });
  }

  /** A model that became loaded (warm) or was unloaded since the last probe, as events for the dashboard. */
  private void announceModelChanges(BackendState before, BackendState next) {
    if (events == null || before.loadedModels().equals(next.loadedModels())) {
      return;
    }
    for (String m : next.loadedModels()) {
      if (!before.loadedModels().contains(m)) {
        events.publish("model_loaded", next.id(), m);
      }
    }
    for (String m : before.loadedModels()) {
      if (!next.loadedModels().contains(m)) {
        events.publish("model_unloaded", next.id(), m);
      }
    }
  }

  /**
   * An rpc-server is never spoken to over HTTP: it is only listed here, health unknown, and the leader's
   * {@link io.corral.discovery.rpc.RpcHealthCheck} owns its health from then on (so this never overwrites it).
   */
  private Future<Void> listRpcServer(BackendSpec spec) {
    if (registry.get(spec.id().value()).filter(b -> b.kind() == BackendKind.RPC_SERVER).isPresent()) {
      return Future.succeededFuture();
    }
    BackendState listed = new BackendState(spec.id().value(), BackendKind.RPC_SERVER, BackendHealth.UNKNOWN, "",
        List.of(), List.of(), spec.slots() == null ? 1 : spec.slots(), false, clock.millis(), memberId,
        "not checked yet (the leader checks rpc-servers with a bare TCP connect)", BackendTimeouts.DEFAULTS, 0,
        spec.origin(), false);
    return Future.fromCompletionStage(registry.publish(listed), vertx.getOrCreateContext());
  }

  BackendState toState(BackendSpec spec, Fingerprint fp) {
    BackendKind kind = fp.kind() != BackendKind.UNKNOWN ? fp.kind()
        : spec.kind() != null ? spec.kind() : BackendKind.UNKNOWN;
    int slots = spec.slots() != null ? spec.slots() : fp.reportedSlots() > 0 ? fp.reportedSlots()
        : spec.modelSlots() != null ? spec.modelSlots() : 1;
    BackendHealth health = fp.reachable() && fp.ready() && kind != BackendKind.UNKNOWN ? BackendHealth.UP
        : BackendHealth.DOWN;
    if (health == BackendHealth.UP && drained.test(spec.id().value())) {
      health = BackendHealth.DRAINING;
    }
    return new BackendState(spec.id().value(), kind, health, fp.version(), fp.models(), fp.loadedModels(), slots,
        spec.slots() == null && fp.reportedSlots() > 0, clock.millis(), memberId, fp.error(), spec.timeouts(),
        spec.modelSlots() == null ? 0 : Math.min(spec.modelSlots(), slots), spec.origin(), spec.forwardAuth());
  }

  private static boolean sameContent(BackendState a, BackendState b) {
    return a.kind() == b.kind() && a.health() == b.health() && a.slots() == b.slots()
        && a.modelSlots() == b.modelSlots()
        && a.slotsReported() == b.slotsReported() && Objects.equals(a.version(), b.version())
        && a.models().equals(b.models()) && a.loadedModels().equals(b.loadedModels())
        && Objects.equals(a.lastError(), b.lastError()) && a.timeouts().equals(b.timeouts())
        && a.origin() == b.origin() && a.forwardAuth() == b.forwardAuth();
  }
}
