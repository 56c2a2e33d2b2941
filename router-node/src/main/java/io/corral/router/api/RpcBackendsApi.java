package io.corral.router.api;

import com.hazelcast.map.IMap;
import io.corral.cluster.HostPort;
import io.corral.cluster.backends.BackendKind;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import io.corral.discovery.rpc.CoordinatorRef;
import io.corral.discovery.rpc.CoordinatorWatch;
import io.corral.discovery.rpc.RpcServerDirectory;
import io.corral.discovery.rpc.RpcServerEntry;
import io.corral.discovery.rpc.RpcSighting;
import io.corral.discovery.rpc.RpcSource;
import io.corral.discovery.scan.ScanSchedule;
import io.corral.discovery.scan.ScanStatus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

/**
 * {@code GET /api/rpc_backends}: the rpc-servers the cluster knows of, one entry per address, from the
 * coordinators running on members' hosts (highest priority), the operator's lists (flags, config, backends file,
 * admin API: one source, {@code backends_file}) and the leader's last scan, each with the source
 * that counts, every source that saw it, and the coordinators using it ({@code inUse}: corral never connects to
 * such a server). Also lists the coordinators themselves.
 */
public final class RpcBackendsApi {

  private final CoordinatorWatch coordinators;
  private final IMap<String, ScanStatus> scanStatus;
  private final BackendRegistry backends;

  public RpcBackendsApi(CoordinatorWatch coordinators, IMap<String, ScanStatus> scanStatus,
      BackendRegistry backends) {
    this.coordinators = coordinators;
    this.scanStatus = scanStatus;
    this.backends = backends;
  }

  /** The rpc-servers operators listed (flags, config, backends file, admin API), by address, with their health. */
  private Map<HostPort, BackendState> listed() {
    Map<HostPort, BackendState> out = new HashMap<>();
    for (BackendState b : backends.all()) {
      if (b.kind() == BackendKind.RPC_SERVER) {
        out.put(new HostPort(b.backendId().host(), b.backendId().port()), b);
      }
    }
    return out;
  }

  public void mount(Router router) {
    router.get("/api/rpc_backends").handler(this::list);
  }

  /**
   * What is known of its health without touching it: a running coordinator uses it (so it is up), the leader's
   * last bare connect for a listed one, or the scan's open port.
   */
  private static JsonObject health(RpcServerEntry e, BackendState listed) {
    if (e.inUse()) {
      return new JsonObject().put("state", "up").put("basis", "a running llama-server uses it");
    }
    if (listed != null) {
      return new JsonObject().put("state", listed.health().wireName()).put("basis", "leader's bare TCP connect")
          .put("checkedAt", listed.updatedAtMillis()).put("note", listed.lastError());
    }
    return new JsonObject().put("state", "presumed_up").put("basis", "port open in the last scan");
  }

  private void list(RoutingContext ctx) {
    listing(ctx.vertx().getOrCreateContext()).onSuccess(body ->
        ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(body.encode()));
  }

  /** The listing {@code GET /api/rpc_backends} answers with (also shown on the dashboard); never fails. */
  public Future<JsonObject> listing(Context context) {
    Future<List<CoordinatorWatch.Seen>> seen = coordinators.all();
    Future<ScanStatus> scan = Future.fromCompletionStage(scanStatus.getAsync(ScanSchedule.KEY), context);
    return Future.join(seen, scan).transform(done -> {
      List<RpcSighting> sightings = new ArrayList<>();
      List<CoordinatorWatch.Seen> running = seen.succeeded() ? seen.result() : List.of();
      sightings.addAll(CoordinatorWatch.sightings(running));
      Map<HostPort, BackendState> listed = listed();
      sightings.addAll(RpcSighting.of(RpcSource.BACKENDS_FILE, List.copyOf(listed.keySet())));
      ScanStatus last = scan.succeeded() ? scan.result() : null;
      if (last != null) {
        List<HostPort> scanned = new ArrayList<>();
        for (String s : last.presumedRpcServers()) {
          scanned.add(HostPort.parse(s, 50052));
        }
        sightings.addAll(RpcSighting.of(RpcSource.SCAN, scanned));
      }
      JsonArray servers = new JsonArray();
      for (RpcServerEntry e : RpcServerDirectory.merge(sightings).entries()) {
        JsonArray usedBy = new JsonArray();
        for (CoordinatorRef c : e.usedBy()) {
          usedBy.add(new JsonObject().put("pid", c.pid()).put("api", c.api().map(HostPort::toString).orElse(null)));
        }
        servers.add(new JsonObject().put("address", e.address().toString()).put("source", e.source().wireName())
            .put("seenBy", new JsonArray(e.seenBy().stream().map(RpcSource::wireName).toList()))
            .put("inUse", e.inUse()).put("usedBy", usedBy).put("health", health(e, listed.get(e.address()))));
      }
      JsonArray coordinatorList = new JsonArray();
      for (CoordinatorWatch.Seen s : running) {
        coordinatorList.add(new JsonObject().put("member", s.member()).put("pid", s.pid())
            .put("api", s.api().isEmpty() ? null : s.api()).put("rpcServers", new JsonArray(List.of(s.rpcServers())))
            .put("seenAt", s.seenAtMillis()));
      }
      JsonObject body = new JsonObject().put("rpcBackends", servers).put("coordinators", coordinatorList);
      if (seen.failed()) {
        body.put("error", "coordinators unavailable: " + seen.cause().getMessage());
      }
      return Future.succeededFuture(body);
    });
  }
}
