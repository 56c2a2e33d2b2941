package io.corral.dashboard;

import io.corral.cluster.CorralMember;
import io.corral.cluster.MemberView;
import io.corral.cluster.apps.AppRegistry;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.OpenCircuits;
import io.corral.cluster.events.EventStream;
import io.corral.cluster.ledger.SlotLedger;
import io.corral.cluster.stats.MemberStatsBoard;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.InstantSource;
import java.util.function.Consumer;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster dashboard on one member: assembles the traffic tap, the statistics this member posts, its copy of
 * the event log, the app registry, the live browser streams, the HTTP routes and (while this member leads) the
 * dashboard port.
 *
 * <p>Implementation notes. Data flows one way: each member posts its own statistics to a shared map and
 * publishes events on the cluster's event stream; every member listens to both and keeps local views; a
 * browser connected to any member receives snapshots pushed when those views change. No member asks another for
 * anything and no browser polls. Only the leader publishes membership and leader events (no duplicates) and the
 * ledger's cluster-wide picture.
 *
 * <p>Lifecycle: construct, {@link #mount} on the API router, {@link #start} (blocking: call off the event loop),
 * {@link #close}.
 */
public final class Dashboard implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Dashboard.class);
  /** Rpc-server listings are refreshed at most this often while somebody watches. */
  private static final long RPC_REFRESH_MS = 5_000;

  /** What the router knows about rpc-servers and coordinators (discovery lives outside this module). */
  @FunctionalInterface
  public interface RpcListing extends Function<Context, Future<JsonObject>> {}

  private final Context context;
  private final CorralMember member;
  private final EventStream eventStream;
  private final DashboardSettings settings;
  private final String apiUrl;
  private final InstantSource clock;
  private final RpcListing rpc;
  private final TrafficTap tap;
  private final MemberStatsBoard board;
  private final AppRegistry apps;
  private final EventLog events;
  private final ClusterView view;
  private final ClusterHistory history;
  private final LiveClients live;
  private final AppsApi appsApi;
  private final DashboardRoutes routes;
  private final DashboardPort port;
  private final MemberStatsPublisher publisher;
  private final MembershipEvents membership;
  private final BackendRegistry backends;
  private final PageOrigins pageOrigins;
  private volatile JsonObject rpcListing = new JsonObject();
  private volatile long rpcFetchedAt;
  private final AtomicBoolean closed = new AtomicBoolean();
  private long lastFailureEventAt;
  private int failuresSinceEvent;

  /**
   * @param host           the interface the API binds to (the dashboard port binds there too)
   * @param advertisedHost the host browsers use to reach this member
   */
  public Dashboard(Vertx vertx, CorralMember member, BackendRegistry backends, OpenCircuits circuits,
      SlotLedger ledger, EventStream eventStream, DashboardSettings settings, String apiUrl, String host,
      String advertisedHost, RpcListing rpc, InstantSource clock) {
    this(vertx, member, backends, circuits, ledger, eventStream, settings, apiUrl, host, advertisedHost, rpc, clock,
        PortSetup.PLAIN);
  }

  /**
   * @param portSetup how the dashboard port is served, as the API port is (the member that wires everything passes
   *                  its TLS certificate, connection guard, body deadline and browser-origin check)
   */
  public Dashboard(Vertx vertx, CorralMember member, BackendRegistry backends, OpenCircuits circuits,
      SlotLedger ledger, EventStream eventStream, DashboardSettings settings, String apiUrl, String host,
      String advertisedHost, RpcListing rpc, InstantSource clock, PortSetup portSetup) {
    // called from a plain thread: this creates the event-loop context all dashboard work runs on
    this.context = vertx.getOrCreateContext();
    this.member = member;
    this.backends = backends;
    this.eventStream = eventStream;
    this.settings = settings;
    this.apiUrl = apiUrl;
    this.clock = clock;
    this.rpc = rpc;
    this.tap = new TrafficTap(clock);
    this.board = new MemberStatsBoard(member.hazelcast());
    this.apps = new AppRegistry(member.hazelcast(), settings.appRemoveAfter());
    this.events = new EventLog(member.hazelcast(), settings.maxEvents(), settings.eventSampleRate());
    this.view = new ClusterView(member, board, backends, circuits, apps, settings.appStaleAfter(),
        settings.appRemoveAfter(), clock);
    this.history = new ClusterHistory(Math.max(100, settings.statsInterval().toMillis() * 8 / 10));
    long pushGap = Math.min(1000, settings.statsInterval().toMillis());
    this.live = new LiveClients(vertx, context, this::snapshot, pushGap);
    this.appsApi = new AppsApi(apps, eventStream, settings, apiUrl, clock);
    this.routes = new DashboardRoutes(this, appsApi);
    Router portRouter = portRouter(vertx, member.settings().clusterName(), member.self().name(),
        portSetup.guards());
    routes.mount(portRouter);
    this.port = new DashboardPort(vertx, context, settings, host, advertisedHost, member.settings().clusterName(),
        portRouter, portSetup);
    this.publisher = new MemberStatsPublisher(vertx, member, ledger, board, tap, settings.statsInterval(), clock,
        port::status, appsApi::reportStale);
    this.membership = new MembershipEvents(member, eventStream);
    this.pageOrigins = new PageOrigins(settings.port());
  }

  /**
   * Whether {@code origin} is a page of this cluster's dashboard: a member's API origin, or a member's host on the
   * dashboard port, including members that have left since this one started. Such pages read each other's
   * streams when they fail over.
   */
  boolean isMemberOrigin(String origin) {
    pageOrigins.remember(member.members());
    return pageOrigins.contains(origin);
  }

  /** The dashboard port serves the dashboard alone (not the model API), stamped like every corral answer. */
  private Router portRouter(Vertx vertx, String clusterName, String memberName, Consumer<Router> guards) {
    Router r = Router.router(vertx);
    r.route().handler(ctx -> {
      ctx.response().putHeader("X-Corral-Member", memberName).putHeader("X-Corral-Cluster", clusterName);
      ctx.next();
    });
    guards.accept(r);
    r.errorHandler(403, ctx -> AppsApi.error(ctx, 403, "origin " + ctx.request().getHeader("Origin")
        + " may not call this from a browser; members allow pages from this machine and --cors-origin"));
    r.get("/").handler(ctx -> ctx.redirect("/dashboard"));
    r.errorHandler(404, ctx -> AppsApi.error(ctx, 404, "no such endpoint on the dashboard port: "
        + ctx.request().method() + " " + ctx.request().path()));
    r.errorHandler(405, ctx -> AppsApi.error(ctx, 405, "method " + ctx.request().method() + " is not allowed on "
        + ctx.request().path()));
    r.errorHandler(413, ctx -> AppsApi.error(ctx, 413, "request body is too large"));
    r.errorHandler(500, ctx -> AppsApi.error(ctx, 500, "internal error"));
    return r;
  }

  /**
   * Adds the dashboard to a member's API router: the traffic tap first (it must see every model request), then
   * the routes.
   */
  public void mount(Router apiRouter) {
    apiRouter.route().order(-1).handler(tap);
    routes.mount(apiRouter);
  }

  /**
   * Subscribes to the cluster (blocking Hazelcast calls: run off the event loop), starts posting statistics and,
   * if this member leads, binds the dashboard port. The future fails only when the port is taken and fallback is
   * off.
   */
  public Future<Void> start() {
    board.onChange(id -> {
      pageOrigins.remember(member.members());
      long now = clock.millis();
      if (history.due(now)) {
        history.offer(now, ClusterView.totals(view.docs()));
      }
      live.changed();
    });
    board.start();
    apps.onChange(change -> {
      if (change.expired() && member.leaderElection().isLeader()) {
        eventStream.publish("app_removed", change.app().name(), change.app().name()
            + " removed after no heartbeat for " + settings.appRemoveAfter().toSeconds() + " s");
      }
      live.changed();
    });
    apps.start();
    backends.onChange(b -> live.changed());
    events.onEvent(live::event);
    events.start();
    membership.start();
    tap.onFailure(this::requestFailed);
    member.leaderElection().onChange(change -> port.leading(change.self()));
    publisher.start(context);
    log.info("event=dashboard_ready url={}/dashboard port={} sampleRate={} maxEvents={}", apiUrl, settings.port(),
        settings.eventSampleRate(), settings.maxEvents());
    return port.leading(member.leaderElection().isLeader());
  }

  /**
   * Failed requests go on the event stream, at most one event per second per member (with the count of the
   * others), so an outage does not flood the ring that also carries the rare, important events.
   */
  private void requestFailed(TrafficTap.Failure f) {
    long now = clock.millis();
    int count;
    synchronized (this) {
      failuresSinceEvent++;
      if (now - lastFailureEventAt < 1000) {
        return;
      }
      lastFailureEventAt = now;
      count = failuresSinceEvent;
      failuresSinceEvent = 0;
    }
    eventStream.publish("request_failed", f.backend() == null ? f.route() : f.backend(), "HTTP " + f.status()
        + " on " + f.route() + (f.backend() == null ? "" : " via " + f.backend())
        + (f.app() == null ? "" : " for app " + f.app()) + (count > 1 ? " (" + count + " failures in the last "
        + "second on this member)" : ""));
  }

  /** The whole picture for the page and {@code /api/dashboard}. */
  JsonObject snapshot() {
    Map<String, JsonObject> docs = view.docs();
    refreshRpc();
    JsonObject dashboardPort = ClusterView.dashboardPort(docs);
    return new JsonObject()
        .put("cluster", member.settings().clusterName())
        .put("generatedAt", clock.millis())
        .put("servedBy", new JsonObject().put("name", member.self().name()).put("apiUrl", apiUrl)
            .put("id", member.localId().toString()))
        // the leader knows its own port's state first-hand; the others read what the leader posted
        .put("dashboard", new JsonObject().put("leaderPort", dashboardPort != null
                && !member.leaderElection().isLeader() ? dashboardPort : port.status())
            .put("statsIntervalMs", settings.statsInterval().toMillis()))
        .put("totals", ClusterView.totals(docs))
        .put("members", view.members(docs))
        .put("backends", view.backends(docs))
        .put("queue", view.queue(docs))
        .put("applications", view.applications(docs))
        .put("rpc", rpcListing)
        .put("eventLog", events.stats())
        .put("history", history.toJson());
  }

  private void refreshRpc() {
    long now = clock.millis();
    if (now - rpcFetchedAt < RPC_REFRESH_MS) {
      return;
    }
    rpcFetchedAt = now;
    try {
      rpc.apply(context).onSuccess(j -> rpcListing = j)
          .onFailure(err -> rpcListing = new JsonObject().put("error", err.getMessage()));
    } catch (RuntimeException e) {
      rpcListing = new JsonObject().put("error", e.toString());
    }
  }

  ClusterView view() {
    return view;
  }

  EventLog events() {
    return events;
  }

  LiveClients live() {
    return live;
  }

  /** The traffic tap (tests feed it directly). */
  public TrafficTap tap() {
    return tap;
  }

  /** The dashboard port's state: {@code port}, {@code state}, {@code bound}, {@code url}, {@code occupant}. */
  public JsonObject portStatus() {
    return port.status();
  }

  /** Stops posting, listening and serving. Blocking (bounded); a second call does nothing. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    publisher.stop();
    live.closeAll();
    membership.close();
    events.close();
    board.close();
    apps.close();
    try {
      port.close().toCompletionStage().toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("event=dashboard_port_close_failed error={}", e.toString());
    }
  }
}
