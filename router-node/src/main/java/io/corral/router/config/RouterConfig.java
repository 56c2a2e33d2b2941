package io.corral.router.config;

import io.corral.cluster.ledger.Strategy;
import io.corral.cluster.trust.AddressRanges;
import io.corral.cluster.trust.ClusterTrust;
import io.corral.cluster.wire.WireVersion;
import io.corral.dashboard.DashboardSettings;
import io.corral.discovery.BackendSpec;
import io.corral.discovery.scan.ScanPlan;
import io.corral.router.routing.BackendBreakers;
import io.corral.router.routing.HedgePolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything a member needs to run, after flags, env, file and defaults are merged (see {@link ConfigLoader}).
 *
 * @param host              interface the HTTP API binds to (127.0.0.1 unless told otherwise, like Ollama)
 * @param port              HTTP API port (0 = pick a free one)
 * @param advertise         address other members and the dashboard use to reach this member; null = host
 * @param hazelcastInterface interface Hazelcast binds to; null = the API host when it is a specific address,
 *                          else the advertised address, else 127.0.0.1
 * @param clusterName       members with different names never form one cluster
 * @param hazelcastPort     first Hazelcast port
 * @param join              peers to join ({@code host:port}); empty = look on 127.0.0.1 only
 * @param multicast         opt-in multicast discovery
 * @param backends          configured backends
 * @param probeInterval     how often configured backends are fingerprinted and health-checked
 * @param connectTimeout    connecting to a backend
 * @param firstTokenTimeout waiting for a backend's first response byte (long enough for a cold model load)
 * @param idleTimeout       silence allowed between chunks once streaming
 * @param maxBodySize       largest accepted request body, bytes
 * @param eventLoops        Vert.x event loops serving the API
 * @param dashboard         the dashboard: the leader's port, fallback, statistics interval, event sampling, apps
 * @param partitionCount    Hazelcast partitions (small values keep test clusters fast)
 * @param strategy          default routing strategy ({@code X-Corral-Strategy} overrides it per request)
 * @param queueMaxDepth     cluster-wide waiting requests allowed; over it new requests get 429
 * @param queueMaxWait      longest wait for a slot; then 503
 * @param queueAgingCredit  later arrivals one priority level may overtake (anti-starvation)
 * @param scan              the leader's network scan (none unless CIDRs are configured)
 * @param backendsFile      a plain file of backends, re-read when it changes; null for none
 * @param adminToken        the token the admin API requires; empty: none (fine on loopback only)
 * @param breakers          when a backend's circuit opens and for how long
 * @param minClusterSize    split-brain protection: with fewer members visible the ledger refuses to grant
 * @param rpcCheckInterval  how often the leader checks listed rpc-servers (a bare TCP connect; rarely)
 * @param maxRetries        other backends a request may try after a failure before its first byte (0 = none)
 * @param drainTimeout      on a graceful stop, how long running requests may go on before they are cut
 * @param bodyTimeout       how long a client may take to send its request body (then 408, connection closed)
 * @param slowClientTimeout how long a client may leave a full buffer of the answer unread before its slot is
 *                          freed and it is disconnected
 * @param hedge             when a slow request gets a second copy on another backend (off by default)
 * @param coldLoadsPerBackend requests that may load a model on one Ollama backend at once (0 = no cap)
 * @param coldWait          how long a request waits for a backend with its model loaded before it loads the model
 *                          on a free one, until this member has measured the model's real load time (0 = never
 *                          wait: a free cold backend is used at once)
 * @param stickyConversations a chat that continues (or names {@code X-Corral-Session}) goes back to the backend
 *                          its last turn ran on while that has a free slot, where its prompt is still cached
 * @param corsOrigins       web origins (besides pages on this machine) whose pages may call the model APIs from a
 *                          browser; {@code *} for any
 * @param trust             who may join the cluster: the cluster secret, the member allow-list, and whether the
 *                          operator accepted a cluster without a secret beyond loopback
 * @param backendAllow      where backends that arrive at runtime (admin API, scans) may be: checked on the resolved
 *                          address of every connect (default: loopback and the scan ranges)
 * @param wireVersion       the newest member-to-member format this member speaks (default: this build's newest;
 *                          lower only to rehearse an upgrade: see docs/operations.md "Upgrading")
 * @param limits            what the HTTP ports allow a client: header and keep-alive timeouts, the connection cap,
 *                          the memory for request bodies, and the TLS certificate if any
 */
public record RouterConfig(
    String host,
    int port,
    String advertise,
    String hazelcastInterface,
    String clusterName,
    int hazelcastPort,
    List<String> join,
    boolean multicast,
    List<BackendSpec> backends,
    Duration probeInterval,
    Duration connectTimeout,
    Duration firstTokenTimeout,
    Duration idleTimeout,
    long maxBodySize,
    int eventLoops,
    DashboardSettings dashboard,
    int partitionCount,
    Strategy strategy,
    int queueMaxDepth,
    Duration queueMaxWait,
    int queueAgingCredit,
    int minClusterSize,
    ScanPlan scan,
    Path backendsFile,
    String adminToken,
    BackendBreakers.Settings breakers,
    Duration rpcCheckInterval,
    int maxRetries,
    Duration drainTimeout,
    Duration bodyTimeout,
    Duration slowClientTimeout,
    HedgePolicy hedge,
    int coldLoadsPerBackend,
    Duration coldWait,
    boolean stickyConversations,
    List<String> corsOrigins,
    ClusterTrust trust,
    AddressRanges backendAllow,
    HttpLimits limits,
    int wireVersion) {

  public RouterConfig {
    if (wireVersion < WireVersion.V1 || wireVersion > WireVersion.CURRENT) {
      throw new ConfigException("wireVersion must be " + WireVersion.V1 + "-" + WireVersion.CURRENT
          + " (the versions this build speaks), got " + wireVersion);
    }
    Objects.requireNonNull(limits, "limits");
    corsOrigins = List.copyOf(corsOrigins);
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(clusterName, "clusterName");
    join = List.copyOf(join);
    backends = List.copyOf(backends);
    requirePositive("probeInterval", probeInterval);
    requirePositive("connectTimeout", connectTimeout);
    requirePositive("firstTokenTimeout", firstTokenTimeout);
    requirePositive("idleTimeout", idleTimeout);
    if (maxBodySize < 1) {
      throw new ConfigException("maxBodySize must be at least 1 byte");
    }
    if (eventLoops < 1 || eventLoops > 64) {
      throw new ConfigException("eventLoops must be 1-64, got " + eventLoops);
    }
    if (partitionCount < 1) {
      throw new ConfigException("partitionCount must be >= 1");
    }
    Objects.requireNonNull(strategy, "strategy");
    if (queueMaxDepth < 0) {
      throw new ConfigException("queueMaxDepth must be >= 0");
    }
    requirePositive("queueMaxWait", queueMaxWait);
    if (queueAgingCredit < 0) {
      throw new ConfigException("queueAgingCredit must be >= 0");
    }
    if (minClusterSize < 1) {
      throw new ConfigException("minClusterSize must be >= 1");
    }
    Objects.requireNonNull(scan, "scan");
    Objects.requireNonNull(adminToken, "adminToken");
    Objects.requireNonNull(breakers, "breakers");
    requirePositive("rpcCheckInterval", rpcCheckInterval);
    requirePositive("drainTimeout", drainTimeout);
    requirePositive("bodyTimeout", bodyTimeout);
    requirePositive("slowClientTimeout", slowClientTimeout);
    Objects.requireNonNull(hedge, "hedge");
    if (coldLoadsPerBackend < 0) {
      throw new ConfigException("coldLoadsPerBackend must be >= 0 (0 = no cap), got " + coldLoadsPerBackend);
    }
    Objects.requireNonNull(coldWait, "coldWait");
    if (coldWait.isNegative()) {
      throw new ConfigException("coldWait must not be negative (0 = do not wait), got " + coldWait);
    }
    if (maxRetries < 0 || maxRetries > 10) {
      throw new ConfigException("maxRetries must be 0-10, got " + maxRetries);
    }
    Objects.requireNonNull(dashboard, "dashboard");
    Objects.requireNonNull(trust, "trust");
    Objects.requireNonNull(backendAllow, "backendAllow");
  }

  /** The leader's dashboard port (0: none). */
  public int dashboardPort() {
    return dashboard.port();
  }

  private static void requirePositive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new ConfigException(name + " must be a positive duration");
    }
  }

  /** The host other machines use to reach this member. */
  public String advertisedHost() {
    if (advertise != null && !advertise.isBlank()) {
      return advertise;
    }
    return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
  }

  /** The address Hazelcast binds to: never a wildcard, so the cluster port is only where it was asked to be. */
  public String clusterBindAddress() {
    if (hazelcastInterface != null && !hazelcastInterface.isBlank()) {
      return hazelcastInterface;
    }
    if (!host.equals("0.0.0.0") && !host.equals("::")) {
      return host;
    }
    return advertise != null && !advertise.isBlank() ? advertise : "127.0.0.1";
  }

  public RouterConfig withPort(int newPort) {
    return new RouterConfig(host, newPort, advertise, hazelcastInterface, clusterName, hazelcastPort, join, multicast, backends,
        probeInterval, connectTimeout, firstTokenTimeout, idleTimeout, maxBodySize, eventLoops, dashboard,
        partitionCount, strategy, queueMaxDepth, queueMaxWait, queueAgingCredit, minClusterSize, scan,
        backendsFile, adminToken, breakers, rpcCheckInterval, maxRetries, drainTimeout,
        bodyTimeout, slowClientTimeout, hedge, coldLoadsPerBackend, coldWait, stickyConversations,
        corsOrigins, trust, backendAllow, limits, wireVersion);
  }
}
