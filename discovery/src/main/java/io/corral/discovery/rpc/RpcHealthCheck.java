package io.corral.discovery.rpc;

import io.corral.cluster.HostPort;
import io.corral.cluster.backends.BackendHealth;
import io.corral.cluster.backends.BackendKind;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.events.EventStream;
import io.corral.cluster.leader.LeaderElection;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health of the rpc-servers an operator listed ({@code --backend ...;kind=rpc}, the backends file, the admin
 * API): the leader alone checks them, rarely, with a bare TCP connect closed at once and nothing sent, and never
 * one that a running llama-server coordinator uses (that one is reported up because its coordinator runs on it).
 * An rpc-server serves one client at a time and has died when a waiting client gave up, so anything more than
 * this, or more often, would put it at risk.
 *
 * <p>Results are written into the shared backend state (kind {@code rpc-server}, health {@code up} / {@code down})
 * so every member shows them; a change of health is published on the event stream. Runs on the Vert.x context
 * that calls {@link #start()}; never blocks.
 */
public final class RpcHealthCheck {

  private static final Logger log = LoggerFactory.getLogger(RpcHealthCheck.class);

  private final Vertx vertx;
  private final BackendRegistry registry;
  private final LeaderElection leader;
  private final Supplier<Future<Set<HostPort>>> inUse;
  private final Duration interval;
  private final Duration connectTimeout;
  private final InstantSource clock;
  private final String self;
  private final EventStream events;
  private Context context;
  private NetClient client;
  private long timerId = -1;
  private boolean busy;

  /**
   * @param inUse    the rpc-servers running coordinators use now; a failed answer skips the whole round
   * @param interval how often the leader checks (minutes, not seconds, in production)
   * @param self     this member's id, recorded as the observer
   */
  public RpcHealthCheck(Vertx vertx, BackendRegistry registry, LeaderElection leader,
      Supplier<Future<Set<HostPort>>> inUse, Duration interval, Duration connectTimeout, InstantSource clock,
      String self, EventStream events) {
    this.vertx = vertx;
    this.registry = registry;
    this.leader = leader;
    this.inUse = inUse;
    this.interval = interval;
    this.connectTimeout = connectTimeout;
    this.clock = clock;
    this.self = self;
    this.events = events;
  }

  public void start() {
    context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      client = vertx.createNetClient(new NetClientOptions()
          .setConnectTimeout((int) Math.max(1, connectTimeout.toMillis())));
      // the first round soon after start, so a listed rpc-server does not stay "unknown" for a whole interval
      timerId = vertx.setPeriodic(Math.min(1000, interval.toMillis()), interval.toMillis(), id -> checkAll());
    });
  }

  public void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    if (client != null) {
      client.close();
    }
  }

  /** One round: every listed rpc-server once. Only the leader does anything. */
  Future<Void> checkAll() {
    List<BackendState> listed = registry.all().stream().filter(b -> b.kind() == BackendKind.RPC_SERVER).toList();
    if (!leader.isLeader() || busy || listed.isEmpty()) {
      return Future.succeededFuture();
    }
    busy = true;
    return inUse.get().compose(used -> {
      List<Future<Void>> checks = new ArrayList<>();
      for (BackendState rpc : listed) {
        HostPort address = new HostPort(rpc.backendId().host(), rpc.backendId().port());
        checks.add(used.contains(address)
            ? record(rpc, BackendHealth.UP, "in use by a running llama-server coordinator (not touched)")
            : connect(address).compose(error -> record(rpc,
                error.isEmpty() ? BackendHealth.UP : BackendHealth.DOWN, error)));
      }
      return Future.join(checks).<Void>mapEmpty();
    }, err -> {
      // without the coordinators' list nothing is known to be safe to touch
      log.warn("event=rpc_check_skipped reason=\"{}\"", err.toString());
      return Future.<Void>succeededFuture();
    }).onComplete(done -> busy = false);
  }

  /** Empty when the port accepted; the reason otherwise. The connection is closed before anything is written. */
  private Future<String> connect(HostPort address) {
    return client.connect(address.port(), address.host())
        .compose(socket -> socket.close().transform(ignored -> Future.succeededFuture("")))
        .otherwise(err -> "tcp connect failed: " + err.getMessage());
  }

  private Future<Void> record(BackendState before, BackendHealth health, String note) {
    if (before.health() == health && before.lastError().equals(note)) {
      return Future.succeededFuture();
    }
    BackendState next = new BackendState(before.id(), BackendKind.RPC_SERVER, health, "", List.of(), List.of(),
        before.slots(), false, clock.millis(), self, note, before.timeouts(), 0, before.origin(), false);
    if (before.health() != health) {
      log.info("event=backend_state backend={} kind=rpc-server health={} note=\"{}\"", before.id(),
          health.wireName(), note);
      if (events != null) {
        events.publish("backend_state", before.id(), "rpc-server " + health.wireName() + " (was "
            + before.health().wireName() + ")" + (note.isEmpty() ? "" : ": " + note));
      }
    }
    return Future.fromCompletionStage(registry.publish(next), context);
  }
}
