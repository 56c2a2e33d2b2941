package io.corral.router.api;

import io.corral.cluster.CorralMember;
import io.corral.cluster.MemberView;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.ledger.LedgerSnapshot;
import io.corral.cluster.ledger.SlotLedger;
import io.corral.router.metrics.RouterMetrics;
import io.vertx.core.Future;
import io.corral.router.routing.BackendSelector;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Comparator;

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

  public MemberApi(CorralMember member, BackendRegistry backends, BackendSelector selector, RouterMetrics metrics,
      SlotLedger ledger, String version) {
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
    snapshot(ctx).onComplete(s -> cluster(ctx, s.result()));
  }

  private void cluster(RoutingContext ctx, LedgerSnapshot ledgerView) {
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
        .put("health", b.health().wireName())
        .put("version", b.version())
        .put("models", new JsonArray(b.models()))
        .put("loadedModels", new JsonArray(b.loadedModels()))
        .put("slots", b.slots())
        .put("slotsReported", b.slotsReported())
        .put("inFlight", ledgerView.inFlight(b.id()))
        .put("inFlightHere", selector.inFlightHere(b.id()))
        .put("updatedAt", b.updatedAtMillis())
        .put("observedBy", b.observedBy())
        .put("lastError", b.lastError())));
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
            .put("error", ctx.get("ledgerError"))));
  }

  private static JsonObject memberJson(MemberView m) {
    return new JsonObject().put("id", m.id()).put("name", m.name()).put("address", m.address())
        .put("apiUrl", m.apiUrl()).put("startedAt", m.startedAtMillis()).put("leader", m.leader())
        .put("self", m.self());
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .end(body.encode());
  }
}
