package io.corral.router.api;

import io.corral.cluster.CorralMember;
import io.corral.cluster.MemberView;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.backends.BackendTimeouts;
import io.corral.cluster.backends.OpenCircuits;
import io.corral.cluster.ledger.LedgerSnapshot;
import io.corral.cluster.ledger.SlotLedger;
import io.corral.discovery.scan.ScanSchedule;
import io.corral.discovery.scan.ScanStatus;
import io.corral.router.metrics.RouterMetrics;
import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.corral.router.routing.BackendSelector;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Comparator;
import java.util.List;

/**
 * corral's own endpoints: {@code GET /health} (the process answers), {@code GET /ready} (joined the cluster and
 * at least one healthy backend), {@code GET /metrics} (Prometheus text), {@code GET /api/cluster} (members,
 * leader, backends). All answers come from local views; none waits on the cluster.
 */
public final class MemberApi {

  private final CorralMember member;
  private final BackendRegistry backends;
  private final BackendSelector selector;
  private final RouterMetrics metrics;
  private final SlotLedger ledger;
  private final String version;
  private final IMap<String, ScanStatus> scanStatus;
  private final boolean scanConfigured;
  private final OpenCircuits circuits;

  public MemberApi(CorralMember member, BackendRegistry backends, BackendSelector selector, RouterMetrics metrics,
      SlotLedger ledger, String version, boolean scanConfigured, OpenCircuits circuits) {
    this.circuits = circuits;
    this.scanStatus = member.hazelcast().getMap(ScanSchedule.MAP_NAME);
    this.scanConfigured = scanConfigured;
    this.member = member;
    this.backends = backends;
    this.selector = selector;
    this.metrics = metrics;
    this.ledger = ledger;
    this.version = version;
  }

  /** The ledger's current picture; an empty one (and the reason) if the cluster cannot answer. */
  private Future<LedgerSnapshot> snapshot(RoutingContext ctx) {
    return Future.fromCompletionStage(ledger.snapshot(), ctx.vertx().getOrCreateContext())
        .recover(err -> {
          ctx.put("ledgerError", err.toString());
          return Future.succeededFuture(LedgerSnapshot.empty());
        });
  }

  public void mount(Router router) {
    router.get("/health").handler(this::health);
    router.get("/ready").handler(this::ready);
    router.get("/metrics").handler(this::metrics);
    router.get("/api/cluster").handler(this::cluster);
  }

  private void health(RoutingContext ctx) {
    json(ctx, 200, new JsonObject().put("status", "ok").put("member", member.self().name())
        .put("version", version));
  }

  private void ready(RoutingContext ctx) {
    if (!member.isRunning()) {
      json(ctx, 503, new JsonObject().put("status", "not_ready").put("reason", "not in a cluster"));
      return;
    }
    long up = backends.all().stream().filter(BackendState::isUp).count();
    if (up == 0) {
      json(ctx, 503, new JsonObject().put("status", "not_ready").put("reason", "no healthy backend"));
      return;
    }
    json(ctx, 200, new JsonObject().put("status", "ready").put("healthyBackends", up)
        .put("members", member.members().size()));
  }

  private void metrics(RoutingContext ctx) {
    snapshot(ctx).onComplete(s -> {
      metrics.ledger(s.result());
      ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape());
    });
  }

  private void cluster(RoutingContext ctx) {
    snapshot(ctx).onComplete(s -> Future.fromCompletionStage(scanStatus.getAsync(ScanSchedule.KEY),
            ctx.vertx().getOrCreateContext())
        .onComplete(scan -> cluster(ctx, s.result(), scan.succeeded() ? scan.result() : null)));
  }

  /** The leader's network scan as every member sees it (shared state), and whether this member would scan. */
  private JsonObject scanJson(ScanStatus st) {
    JsonObject j = new JsonObject().put("configuredHere", scanConfigured);
    if (st == null) {
      return j.put("scans", 0);
    }
    return j.put("leader", st.leader()).put("scans", st.scans()).put("running", st.unfinished())
        .put("startedAt", st.startedAtMillis()).put("finishedAt", st.finishedAtMillis())
        .put("elapsedMs", st.elapsedMillis()).put("portsTried", st.portsTried()).put("open", st.open())
        .put("backends", new JsonArray(List.of(st.backends())))
        .put("presumedRpcServers", new JsonArray(List.of(st.presumedRpcServers())))
        .put("unknown", new JsonArray(List.of(st.unknown())))
        .put("corralMembers", new JsonArray(List.of(st.corralMembers())));
  }

  private void cluster(RoutingContext ctx, LedgerSnapshot ledgerView, ScanStatus scan) {
    JsonArray members = new JsonArray();
    MemberView leader = null;
    for (MemberView m : member.members()) {
      members.add(memberJson(m));
      if (m.leader()) {
        leader = m;
      }
    }
    JsonArray list = new JsonArray();
    backends.all().stream().sorted(Comparator.comparing(BackendState::id)).forEach(b -> list.add(new JsonObject()
        .put("id", b.id())
        .put("kind", b.kind().wireName())
        .put("health", circuits.isOpen(b.id()) && b.isUp() ? "circuit_open" : b.health().wireName())
        .put("circuit", circuits.current(b.id()).map(c -> new JsonObject().put("openedBy", c.openedBy())
            .put("openedAt", c.openedAtMillis()).put("until", c.untilMillis()).put("reason", c.reason()))
            .orElse(null))
        .put("version", b.version())
        .put("models", new JsonArray(b.models()))
        .put("loadedModels", new JsonArray(b.loadedModels()))
        .put("slots", b.slots())
        .put("slotsReported", b.slotsReported())
        .put("modelSlots", b.modelSlots())
        .put("inFlight", ledgerView.inFlight(b.id()))
        .put("inFlightByModel", new JsonObject(new java.util.TreeMap<String, Object>(
            ledgerView.inFlightByModel(b.id()))))
        .put("inFlightHere", selector.inFlightHere(b.id()))
        .put("oldestLeaseSince", ledgerView.oldestLeaseSince(b.id()) > 0 ? ledgerView.oldestLeaseSince(b.id()) : null)
        .put("updatedAt", b.updatedAtMillis())
        .put("observedBy", b.observedBy())
        .put("lastError", b.lastError())
        .put("timeouts", timeoutsJson(b.timeouts()))));
    json(ctx, 200, new JsonObject()
        .put("cluster", member.settings().clusterName())
        .put("member", memberJson(member.self()))
        .put("leader", leader == null ? null : memberJson(leader))
        .put("members", members)
        .put("backends", list)
        .put("queue", new JsonObject()
            .put("depth", ledgerView.queueDepth())
            .put("byPriority", new JsonObject(new java.util.TreeMap<String, Object>(ledgerView.depthByPriority()
                .entrySet().stream().collect(java.util.stream.Collectors.toMap(e -> e.getKey().toString(),
                    java.util.Map.Entry::getValue)))))
            .put("byModel", new JsonObject(new java.util.TreeMap<String, Object>(ledgerView.depthByModel())))
            .put("arrivals", ledgerView.nextSeq())
            .put("error", ctx.get("ledgerError")))
        .put("ledger", new JsonObject().put("incarnation", ledgerView.incarnation())
            .put("rebuilding", ledgerView.rebuilding()))
        .put("wire", new JsonObject().put("spoken", member.versionGate().spoken())
            .put("agreed", member.versionGate().agreed()))
        .put("security", securityJson())
        .put("scan", scanJson(scan)));
  }

  /** How this member guards the cluster: whether member connections prove the secret, and what it refused. */
  private JsonObject securityJson() {
    return new JsonObject().put("clusterSecret", member.checksSecret())
        .put("memberAllow", new JsonArray(member.settings().trust().memberAllow().describe()))
        .put("refusedMemberConnections", member.refusedConnections());
  }

  /** The backend's own timeouts in ms; absent ones follow the member's global settings. */
  private static JsonObject timeoutsJson(BackendTimeouts t) {
    JsonObject j = new JsonObject();
    if (t.connectMillis() > 0) {
      j.put("connectMs", t.connectMillis());
    }
    if (t.firstTokenMillis() > 0) {
      j.put("firstTokenMs", t.firstTokenMillis());
    }
    if (t.idleMillis() > 0) {
      j.put("idleMs", t.idleMillis());
    }
    return j;
  }

  private static JsonObject memberJson(MemberView m) {
    return new JsonObject().put("id", m.id()).put("name", m.name()).put("address", m.address())
        .put("apiUrl", m.apiUrl()).put("startedAt", m.startedAtMillis()).put("leader", m.leader())
        .put("self", m.self()).put("wireVersion", m.wireVersion());
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .end(body.encode());
  }
}
