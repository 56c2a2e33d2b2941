package io.corral.router;

import io.corral.cluster.ClusterSettings;
import io.corral.cluster.CorralMember;
import io.corral.cluster.HostPort;
import io.corral.cluster.MemberIdentity;
import io.corral.cluster.admin.AdminTokens;
import io.corral.cluster.backends.BackendOrigin;
import io.corral.cluster.backends.BackendOverrides;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.backends.OpenCircuits;
import io.corral.cluster.events.EventStream;
import io.corral.cluster.ledger.GrantNotifier;
import io.corral.cluster.ledger.LedgerResetWatcher;
import io.corral.cluster.ledger.LedgerStewardship;
import io.corral.cluster.ledger.SlotLedger;
import io.corral.cluster.trust.ClusterTrust;
import io.corral.dashboard.Dashboard;
import io.corral.dashboard.PortSetup;
import io.corral.discovery.BackendSpec;
import io.corral.discovery.wire.DiscoverySerializers;
import io.corral.discovery.admin.AdminBackendsWatcher;
import io.corral.discovery.file.BackendsFileWatcher;
import io.corral.discovery.fingerprint.BackendFingerprinter;
import io.corral.discovery.net.BackendAddresses;
import io.corral.discovery.net.BackendReads;
import io.corral.discovery.probe.BackendMonitor;
import io.corral.discovery.rpc.CoordinatorDetector;
import io.corral.discovery.rpc.CoordinatorWatch;
import io.corral.discovery.rpc.RpcHealthCheck;
import io.corral.discovery.rpc.RpcServerDirectory;
import io.corral.discovery.scan.NetworkScanner;
import io.corral.discovery.scan.ScanPlan;
import io.corral.discovery.scan.ScanSchedule;
import io.corral.router.api.AdminAccess;
import io.corral.router.api.AdminApi;
import io.corral.router.protocol.ApiErrors;
import io.corral.router.protocol.ApiFamily;
import io.corral.router.api.BackendFanOut;
import io.corral.router.api.BodyBudget;
import io.corral.router.api.ConnectionGuard;
import io.corral.router.api.MemberApi;
import io.corral.router.api.ModelRequests;
import io.corral.router.api.RpcBackendsApi;
import io.corral.router.api.ollama.OllamaRoutes;
import io.corral.router.api.openai.OpenAiRoutes;
import io.corral.router.config.HttpLimits;
import io.corral.router.config.RouterConfig;
import io.corral.router.metrics.FoldedMethods;
import io.corral.router.metrics.RouterMetrics;
import io.corral.router.proxy.StreamingProxy;
import io.corral.router.routing.BackendBreakers;
import io.corral.router.routing.GrantNoticeSocket;
import io.corral.router.routing.HealthRecheck;
import io.corral.router.routing.LedgerSelector;
import io.corral.router.routing.QueueSettings;
import io.corral.router.routing.WarmModels;
import io.corral.router.time.Ticker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running corral member: its Vert.x instance, HTTP API, Hazelcast member, backend monitor and metrics, wired
 * by hand. {@link #start} blocks until the member serves; call it from a plain thread (main, a test), never from
 * an event loop.
 *
 * <p>Start order matters: the HTTP port is bound first (so a port of 0 is known before the member tells the
 * cluster its API address), answering 503 until the cluster is joined and the API is built.
 */
public final class RouterNode implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RouterNode.class);
  /** Connections per backend host; must stay at least each backend's slots so no queue hides in the pool. */
  static final int POOL_SIZE_PER_BACKEND = 128;

  /**
   * Kernel buffer of every backend connection (receive) and client connection (send). Fixed rather than
   * auto-tuned: Linux grows a busy loopback connection's receive buffer up to {@code tcp_rmem} (32 MiB here), and
   * a client that stops reading would then leave a whole answer parked in the router's kernel instead of pausing
   * the backend. A quarter MiB is far above what a token stream or a LAN round trip needs.
   */
  static final int STREAM_SOCKET_BUFFER = 256 * 1024;
  /** How often the backends file's modification time is checked. */
  static final Duration BACKENDS_FILE_CHECK = Duration.ofSeconds(2);
  /** How often each member looks for llama-server coordinators on its host. */
  static final Duration COORDINATOR_CHECK = Duration.ofSeconds(10);

  private final RouterConfig config;
  private final Vertx vertx;
  private final List<HttpServer> servers;
  private final CorralMember member;
  private final BackendRegistry backends;
  private final BackendMonitor monitor;
  private final HttpClientAgent client;
  private final int port;
  private final LedgerSelector selector;
  private final LedgerStewardship stewardship;
  private final SlotLedger ledger;
  /** How to stop what watches the world on a timer (scans, the backends file, rpc-server checks, dashboard). */
  private final List<Runnable> watchers;
  private final DelegatingHandler handler;
  private final Dashboard dashboard;

  private RouterNode(RouterConfig config, Vertx vertx, List<HttpServer> servers, CorralMember member,
      BackendRegistry backends, BackendMonitor monitor, HttpClientAgent client, int port, LedgerSelector selector,
      LedgerStewardship stewardship, SlotLedger ledger, List<Runnable> watchers, DelegatingHandler handler,
      Dashboard dashboard) {
    this.handler = handler;
    this.dashboard = dashboard;
    this.config = config;
    this.vertx = vertx;
    this.servers = servers;
    this.member = member;
    this.backends = backends;
    this.monitor = monitor;
    this.client = client;
    this.port = port;
    this.selector = selector;
    this.stewardship = stewardship;
    this.ledger = ledger;
    this.watchers = List.copyOf(watchers);
  }

  /** Starts a member with cluster settings derived from {@code config}. Blocking. */
  public static RouterNode start(RouterConfig config) {
    ClusterSettings defaults = ClusterSettings.loopbackDefaults();
    ClusterSettings cluster = new ClusterSettings(config.clusterName(), config.clusterBindAddress(),
        config.advertise(), config.hazelcastPort(),
        defaults.portCount(), config.join(), config.multicast(), config.partitionCount(),
        defaults.heartbeatSeconds(), defaults.maxNoHeartbeatSeconds(), defaults.mergeDelaySeconds(),
        config.minClusterSize(), defaults.ledgerBackups(), config.trust(), config.wireVersion());
    return start(config, cluster, InstantSource.system());
  }

  /**
   * Vert.x's own meters for the API server. Its client, connection-pool and event-bus meters are off: the proxy's
   * calls to backends are measured per backend by {@link RouterMetrics}, and the client meters (a tagged timer
   * sample per request and per pool checkout) were a visible share of a busy event loop's time.
   */
  private static MicrometerMetricsOptions metricsOptions() {
    return new MicrometerMetricsOptions().setEnabled(true)
        .addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT)
        .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
        .addDisabledMetricsCategory(MetricsDomain.NAMED_POOLS)
        .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS);
  }

  /**
   * Starts a member with explicit cluster settings (tests use their own names and ports). Blocking. The trust
   * settings of {@code config} apply when it has any (a secret, an allow-list or --insecure-cluster), else those of
   * {@code clusterSettings}.
   */
  public static RouterNode start(RouterConfig config, ClusterSettings clusterSettings, InstantSource clock) {
    ClusterSettings cluster = clusterSettings.withMinClusterSize(config.minClusterSize());
    ClusterTrust trust = config.trust();
    if (trust.secured() || trust.insecureOk() || !trust.memberAllow().isEmpty()) {
      cluster = cluster.withTrust(trust);
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setEventLoopPoolSize(config.eventLoops())
            .setMetricsOptions(metricsOptions()))
        .withMetrics(options -> new FoldedMethods(new MicrometerMetricsFactory(registry).metrics(options)))
        .build();
    DelegatingHandler handler = new DelegatingHandler(vertx);
    HttpLimits limits = config.limits();
    ConnectionGuard connections = new ConnectionGuard(vertx, limits, Ticker.SYSTEM);
    // no h2c: with it, Vert.x makes a connection only once a whole request head has arrived (it must look for an
    // Upgrade header first), so the guard could neither time out slow heads nor count silent connections; clients
    // that offer the upgrade (Java's HttpClient) carry on over HTTP/1.1
    UnaryOperator<HttpServerOptions> serving = limits.tls()
        ? o -> o.setHttp2ClearTextEnabled(false).setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
            .setCertPath(limits.tlsCert().toString()).setKeyPath(limits.tlsKey().toString()))
        : o -> o.setHttp2ClearTextEnabled(false);
    List<HttpServer> servers = new ArrayList<>();
    CorralMember member = null;
    try {
      HttpServerOptions serverOptions = serving.apply(new HttpServerOptions().setHost(config.host())
          .setPort(config.port()).setCompressionSupported(false).setTcpNoDelay(true).setIdleTimeout(0)
          .setSendBufferSize(STREAM_SOCKET_BUFFER));
      servers.add(await(vertx.createHttpServer(serverOptions).requestHandler(handler)
          .invalidRequestHandler(handler::invalidRequest).connectionHandler(connections::opened).listen()));
      int port = servers.get(0).actualPort();
      // more servers on the same port spread connections over the event loops
      for (int i = 1; i < config.eventLoops(); i++) {
        HttpServerOptions same = new HttpServerOptions(serverOptions).setPort(port);
        servers.add(await(vertx.createHttpServer(same).requestHandler(handler)
            .invalidRequestHandler(handler::invalidRequest).connectionHandler(connections::opened).listen()));
      }
      RouterConfig bound = config.withPort(port);
      String name = bound.advertisedHost() + ":" + port;
      String apiUrl = (limits.tls() ? "https://" : "http://") + name;
      handler.memberName = name;

      member = CorralMember.start(cluster, new MemberIdentity(name, apiUrl, clock.millis()),
          DiscoverySerializers.all());
      BackendRegistry backends = new BackendRegistry(member.hazelcast()).start();
      BackendOverrides overrides = new BackendOverrides(member.hazelcast()).start();
      AdminTokens adminTokens = adoptAdminToken(new AdminTokens(member.hazelcast()).start(), config.adminToken());
      AdminAccess adminAccess = new AdminAccess(adminTokens, isLoopback(config.host()));
      OpenCircuits circuits = new OpenCircuits(member.hazelcast(), clock).start();
      EventStream events = new EventStream(member.hazelcast(), apiUrl, clock);
      BackendBreakers breakers = new BackendBreakers(circuits, () -> apiUrl, config.breakers(), events);
      // every member watches its own host for llama-server coordinators and the rpc-servers they use
      CoordinatorWatch coordinators = new CoordinatorWatch(vertx, CoordinatorDetector.forThisHost(),
          member.hazelcast(), apiUrl, COORDINATOR_CHECK, clock);
      RouterMetrics metrics = new RouterMetrics(registry);
      connections.register(registry);
      BodyBudget bodies = new BodyBudget(vertx, limits.bodyMemoryBytes(), config.maxBodySize(), Ticker.SYSTEM);
      bodies.register(registry);

      HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions()
              .setConnectTimeout((int) config.connectTimeout().toMillis())
              .setKeepAlive(true).setTcpNoDelay(true).setDecompressionSupported(false)
              .setReceiveBufferSize(STREAM_SOCKET_BUFFER)
              .setMaxInitialLineLength(16 * 1024).setMaxHeaderSize(64 * 1024),
          new PoolOptions().setHttp1MaxSize(POOL_SIZE_PER_BACKEND).setMaxWaitQueueSize(4 * POOL_SIZE_PER_BACKEND)
              .setCleanerPeriod(1000));
      // every read from a backend and every connect to one goes through the allowed ranges and the size caps
      BackendAddresses backendAddresses = new BackendAddresses(vertx, config.backendAllow());
      BackendReads backendReads = new BackendReads(vertx, client, backendAddresses);
      AtomicReference<BackendMonitor> monitorRef = new AtomicReference<>();
      SlotLedger ledger = new SlotLedger(member.hazelcast());
      GrantNotifier notifier = GrantNotifier.of(member.hazelcast());
      CorralMember self = member;
      WarmModels warm = new WarmModels();
      LedgerSelector selector = new LedgerSelector(vertx, ledger, notifier, () -> self.localId().toString(),
          new QueueSettings(config.queueMaxDepth(), config.queueMaxWait(), config.queueAgingCredit(),
              config.strategy(), Duration.ofSeconds(2), config.coldLoadsPerBackend(), config.coldWait()), warm,
          Ticker.SYSTEM);
      selector.start();
      GrantNoticeSocket notices = openGrantNoticeSocket(vertx, cluster, member, selector);
      Runnable closeNotices = notices == null ? () -> { } : notices::close;
      LedgerStewardship stewardship = new LedgerStewardship(member.hazelcast().getCluster(),
          member.leaderElection(), backends, ledger);
      LedgerResetWatcher resets = new LedgerResetWatcher(member.hazelcast(), ledger);
      resets.onReset(selector::onClusterReset);
      resets.onReset(() -> {
        if (self.leaderElection().isLeader()) {
          stewardship.takeOver();
        }
      });
      // before the leader's first sync, which would otherwise be the operation that makes the ledger
      foundLedger(ledger, member);
      stewardship.start();
      StreamingProxy proxy = new StreamingProxy(vertx, client, config.firstTokenTimeout(), config.idleTimeout(),
          config.slowClientTimeout(), id -> backends.get(id).map(BackendState::forwardAuth).orElse(false),
          id -> backendAddresses.resolve(id, backends.get(id.value()).map(BackendState::origin)
              .orElse(BackendOrigin.UNKNOWN)), Ticker.SYSTEM);
      RpcBackendsApi rpcApi = new RpcBackendsApi(coordinators, member.hazelcast().getMap(ScanSchedule.MAP_NAME),
          backends);
      // --- the cluster dashboard (dashboard-web): /dashboard, its JSON and SSE endpoints, app registration, the
      // statistics this member posts for the others, and the leader's dashboard port. Started below, once the
      // member serves.
      Dashboard dashboard = new Dashboard(vertx, member, backends, circuits, ledger, events, config.dashboard(),
          apiUrl, config.host(), bound.advertisedHost(), rpcApi::listing, clock,
          new PortSetup(limits.tls(), serving, server -> server.connectionHandler(connections::opened),
              r -> ApiRouter.guard(r, vertx, connections, config.bodyTimeout(), config.corsOrigins(),
                  List.of("/api/*"))));
      ModelRequests modelRequests = new ModelRequests(backends, selector, proxy, metrics, config.strategy(),
          breakers, config.maxRetries(), config.hedge(), events, dashboard.tap()::recordTokens, warm,
          config.stickyConversations(), new HealthRecheck(new BackendFingerprinter(backendReads,
              config.connectTimeout().toMillis()), Ticker.SYSTEM), Ticker.SYSTEM);
      // a backend whose listing is over the size cap is probed now, and so marked down with the reason
      BackendFanOut fanOut = new BackendFanOut(backendReads, 5_000, id -> {
        BackendMonitor m = monitorRef.get();
        if (m != null) {
          m.refresh(id);
        }
      });
      MemberApi memberApi = new MemberApi(member, backends, selector, metrics, ledger, Version.current(),
          config.scan().enabled(), circuits);
      OllamaRoutes ollama = new OllamaRoutes(backends, modelRequests, fanOut, proxy, adminAccess);
      OpenAiRoutes openAi = new OpenAiRoutes(backends, modelRequests, fanOut);
      AdminApi admin = new AdminApi(backends, overrides, adminAccess, adminTokens, events, backendAddresses);
      handler.target = ApiRouter.build(vertx, name, config.maxBodySize(), config.bodyTimeout(),
          config.corsOrigins(), connections, bodies, memberApi, ollama, openAi,
          r -> {
            dashboard.mount(r);
            admin.mount(r);
            rpcApi.mount(r);
          });
      backends.onChange(b -> metrics.inFlightGauge(b.id(), selector, s -> s.inFlightHere(b.id())));

      BackendMonitor monitor = new BackendMonitor(vertx,
          new BackendFingerprinter(backendReads, config.connectTimeout().toMillis()), backends, config.backends(),
          config.probeInterval(), clock, member.localId().toString(), overrides::isDrained, events)
          .withAdminList(id -> overrides.added(id).isPresent());
      monitorRef.set(monitor);
      // the first probe round decides what is routable; wait for it so a fresh member does not answer 404s
      await(runOnContext(vertx, monitor::start));
      new AdminBackendsWatcher(vertx, overrides, monitor, backends).start();
      BackendsFileWatcher fileWatcher = null;
      if (config.backendsFile() != null) {
        fileWatcher = new BackendsFileWatcher(vertx, config.backendsFile().toString(), monitor, backends,
            BACKENDS_FILE_CHECK);
        await(runOnContext(vertx, fileWatcher::start));
      }
      // the scan must know which rpc-servers are in use on this host before it may run
      await(coordinators.start());
      ScanPlan plan = config.scan();
      Supplier<Future<Set<HostPort>>> rpcInUse = () -> coordinators.allAfterLookingAgain()
          .map(seen -> RpcServerDirectory.merge(CoordinatorWatch.sightings(seen)).doNotTouch());
      // the scan's own fingerprinter gives up within the probe timeout, so a silent port frees its slot in time
      ScanSchedule scans = new ScanSchedule(vertx, new NetworkScanner(vertx,
          new BackendFingerprinter(backendReads, plan.options().probeTimeout().toMillis()), plan.options()),
          member.hazelcast(), self.leaderElection(), monitor, plan, configuredEndpoints(config), rpcInUse, clock,
          apiUrl, events);
      scans.start();
      RpcHealthCheck rpcHealth = new RpcHealthCheck(vertx, backends, self.leaderElection(), rpcInUse,
          config.rpcCheckInterval(), plan.options().connectTimeout(), clock,
          member.localId().toString(), events);
      rpcHealth.start();
      // fails only when this member leads, the dashboard port is taken and --dashboard-fallback=false
      await(dashboard.start());
      if (!adminTokens.isSet() && !isLoopback(config.host())) {
        log.warn("event=admin_calls_refused host={} reason=no_admin_token (admin and model-management calls are "
            + "refused until the cluster has one: CORRAL_ADMIN_TOKEN, or POST /admin/token from this machine)",
            config.host());
      }
      log.info("event=member_started api={} cluster={} hazelcast={} backends={} members={}", apiUrl,
          cluster.clusterName(), member.hazelcast().getCluster().getLocalMember().getAddress(),
          config.backends().size(), member.members().size());
      log.info("event=http_limits tls={} header_timeout_ms={} keep_alive_timeout_ms={} max_connections={} "
          + "max_body_bytes={} body_memory_bytes={}", limits.tls(), limits.headerTimeout().toMillis(),
          limits.keepAliveTimeout().toMillis(), limits.maxConnections(), config.maxBodySize(), bodies.capacity());
      return new RouterNode(bound, vertx, servers, member, backends, monitor, client, port, selector, stewardship,
          ledger, fileWatcher == null ? List.of(dashboard::close, scans::stop, rpcHealth::stop, closeNotices)
              : List.of(dashboard::close, scans::stop, rpcHealth::stop, closeNotices, fileWatcher::stop), handler,
          dashboard);
    } catch (RuntimeException e) {
      if (member != null) {
        member.terminate();
      }
      vertx.close();
      throw e;
    }
  }

  /**
   * Binds the socket for direct grant notices (UDP, the cluster interface, the Hazelcast port number if free) and
   * tells the selector its address. Without it (no free port, or no cluster secret to sign notices with) grants
   * still arrive by topic, a little later.
   */
  private static GrantNoticeSocket openGrantNoticeSocket(Vertx vertx, ClusterSettings cluster, CorralMember member,
      LedgerSelector selector) {
    if (member.noticeSigner().isEmpty()) {
      log.info("event=grant_datagrams_off reason=no_cluster_secret (grants arrive by topic only)");
      return null;
    }
    com.hazelcast.cluster.Address self = member.hazelcast().getCluster().getLocalMember().getAddress();
    try {
      GrantNoticeSocket notices = await(GrantNoticeSocket.open(vertx, cluster.bindHost(), self.getHost(), self.getPort(),
          member.noticeSigner().get(), selector::acceptNotice));
      selector.takeNoticesAt(notices.address());
      return notices;
    } catch (RuntimeException e) {
      log.warn("event=grant_datagrams_unavailable error={} (grants arrive by topic only)", e.toString());
      return null;
    }
  }

  /**
   * Makes sure the ledger exists, once this member listens for its changes. The oldest member (the one that formed
   * the cluster) founds a ledger that grants at once; any other member that finds none knows it was lost, and the
   * ledger made then waits for the members to re-assert what they hold (they hear of it through their watchers).
   * Under split-brain protection a lone member cannot write yet: the first operation once a quorum exists makes
   * the ledger then.
   */
  private static void foundLedger(SlotLedger ledger, CorralMember member) {
    boolean oldest = member.leaderElection().isLeader();
    try {
      String incarnation = await(Future.fromCompletionStage(ledger.found(oldest)));
      log.info("event=ledger_found incarnation={} oldest_member={}", incarnation, oldest);
    } catch (RuntimeException e) {
      log.warn("event=ledger_found_deferred error={}", e.toString());
    }
  }

  /**
   * A member configured with an admin token gives it to the cluster when the cluster has none, and refuses to start
   * when the cluster has another: two tokens would let each member be changed by a different secret.
   */
  private static AdminTokens adoptAdminToken(AdminTokens tokens, String configured) {
    if (configured.isEmpty()) {
      log.info("event=admin_token source={}", tokens.isSet() ? "cluster" : "none");
      return tokens;
    }
    if (configured.length() < AdminApi.MIN_TOKEN_CHARS) {
      log.warn("event=admin_token_short length={} (use at least {} characters: openssl rand -hex 24)",
          configured.length(), AdminApi.MIN_TOKEN_CHARS);
    }
    switch (tokens.adopt(configured)) {
      case SET -> log.info("event=admin_token source=this_member action=set_for_cluster");
      case SAME -> log.info("event=admin_token source=this_member action=same_as_cluster");
      case DIFFERENT -> throw new IllegalStateException("this member's admin token is not the cluster's: give every "
          + "member the same token (or none, and it takes the cluster's), or change the cluster's with "
          + "POST /admin/token");
    }
    return tokens;
  }

  /** Whether {@code host} (an API bind address) is loopback; a wildcard is not. */
  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The configured backends' host:port pairs: probed by their own members, so the scan leaves them alone. */
  private static Set<HostPort> configuredEndpoints(RouterConfig config) {
    Set<HostPort> out = new HashSet<>();
    for (BackendSpec b : config.backends()) {
      out.add(new HostPort(b.id().host(), b.id().port()));
    }
    return out;
  }

  private static Future<Void> runOnContext(Vertx vertx, java.util.function.Supplier<Future<Void>> action) {
    io.vertx.core.Promise<Void> p = io.vertx.core.Promise.promise();
    vertx.runOnContext(v -> action.get().onComplete(p));
    return p.future();
  }

  public int port() {
    return port;
  }

  public String apiUrl() {
    return (config.limits().tls() ? "https://" : "http://") + config.advertisedHost() + ":" + port;
  }

  public RouterConfig config() {
    return config;
  }

  public CorralMember member() {
    return member;
  }

  public BackendRegistry backends() {
    return backends;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Re-probes the configured backends now (tests use it instead of waiting for the interval). */
  public Future<Void> probeBackendsNow() {
    return runOnContext(vertx, monitor::probeAll);
  }

  /** This member's part of the cluster dashboard. */
  public Dashboard dashboard() {
    return dashboard;
  }

  /** The cluster-wide ledger this member grants slots through. */
  public SlotLedger ledger() {
    return ledger;
  }

  /**
   * Graceful stop (SIGTERM): new requests get 503 and no new connections are accepted; requests waiting here for a
   * slot leave the queue with a 503 (their clients retry on another member); running requests and streams go on
   * until they end or the drain timeout passes; then the member hands back what it still holds, leaves the
   * cluster and closes Vert.x. Blocking.
   */
  @Override
  public void close() {
    handler.stopping = true;
    log.info("event=member_stopping drain_timeout_ms={}", config.drainTimeout().toMillis());
    stopWatching();
    monitor.stop();
    selector.stopWaiting();
    List<Future<Void>> drained = new ArrayList<>();
    for (HttpServer s : servers) {
      drained.add(s.shutdown(config.drainTimeout().toMillis(), TimeUnit.MILLISECONDS));
    }
    awaitQuietly(Future.join(drained), config.drainTimeout().plusSeconds(5));
    selector.close();
    stewardship.close();
    backends.close();
    member.shutdown();
    awaitQuietly(client.close());
    awaitQuietly(vertx.close());
  }

  private void stopWatching() {
    watchers.forEach(Runnable::run);
  }

  /** Crash-like stop for tests: the Hazelcast member vanishes without a goodbye. Blocking. */
  public void terminate() {
    stopWatching();
    monitor.stop();
    member.terminate();
    for (HttpServer s : servers) {
      awaitQuietly(s.close());
    }
    awaitQuietly(vertx.close());
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException re ? re : new IllegalStateException(cause.getMessage(), cause);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("timed out starting the member", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void awaitQuietly(Future<?> f) {
    awaitQuietly(f, Duration.ofSeconds(10));
  }

  private static void awaitQuietly(Future<?> f, Duration limit) {
    try {
      f.toCompletionStage().toCompletableFuture().get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.debug("event=close_step_failed error={}", e.toString());
    }
  }

  /** Answers 503 until the API is built, then hands every request to it, and 503 again once stopping. */
  private static final class DelegatingHandler implements Handler<HttpServerRequest> {
    final Vertx vertx;

    DelegatingHandler(Vertx vertx) {
      this.vertx = vertx;
    }

    volatile Handler<HttpServerRequest> target;
    volatile String memberName = "starting";
    volatile boolean stopping;

    @Override
    public void handle(HttpServerRequest request) {
      Handler<HttpServerRequest> t = target;
      if (stopping) {
        request.response().putHeader("Retry-After", "1").putHeader("X-Corral-Member", memberName)
            .putHeader("Connection", "close");
        ApiErrors.send(request.response(), ApiFamily.ofPath(request.path()), 503,
            "this member is shutting down; send the request to another member", "member_stopping");
        return;
      }
      if (t != null) {
        t.handle(request);
        return;
      }
      request.response().putHeader("Retry-After", "1").putHeader("X-Corral-Member", memberName);
      ApiErrors.send(request.response(), ApiFamily.ofPath(request.path()), 503, "member is starting",
          "starting");
    }

    /**
     * A request the HTTP decoder refused (headers or request line over the limits, malformed): answered in the
     * API's error shape, then the connection is closed, since the rest of what the client sent cannot be trusted.
     */
    void invalidRequest(HttpServerRequest request) {
      Throwable cause = request.decoderResult().cause();
      int status = cause instanceof TooLongHttpHeaderException ? 431
          : cause instanceof TooLongHttpLineException ? 414 : 400;
      String message = switch (status) {
        case 431 -> "request headers are larger than the limit";
        case 414 -> "request line is longer than the limit";
        default -> "malformed HTTP request: " + (cause == null ? "unknown" : cause.getMessage());
      };
      request.response().putHeader("X-Corral-Member", memberName).putHeader("Connection", "close")
          .endHandler(v -> vertx.setTimer(ConnectionGuard.LINGER_MILLIS, id -> request.connection().close()));
      String path = request.path() == null ? "/" : request.path();
      ApiErrors.send(request.response(), ApiFamily.ofPath(path), status, message, status == 400 ? "bad_request"
          : "too_large");
    }
  }
}
