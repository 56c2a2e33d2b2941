package io.corral.router.cli;

import io.corral.router.RouterNode;
import io.corral.router.config.ConfigLoader;
import io.corral.router.config.RouterConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code corral start}: runs one member until SIGTERM/SIGINT. Every option also exists as a {@code CORRAL_*}
 * environment variable and as a key in the {@code --config} file; flags win over env, env over the file.
 */
@Command(name = "start", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
    description = {"Run one corral member in the foreground until stopped (SIGTERM or Ctrl-C).",
        "",
        "Every option is also an env var (--hazelcast-port = CORRAL_HAZELCAST_PORT, --backend = CORRAL_BACKENDS "
            + "as a comma list) and a key in the --config YAML/JSON file (hazelcastPort, backends).",
        "Precedence: flags > env > config file > defaults."},
    footer = {"",
        "Examples:",
        "  # two backends, one of them a llama-server with 4 slots",
        "  corral start --backend http://127.0.0.1:11434 \\",
        "      --backend 'http://127.0.0.1:8081;slots=4'",
        "",
        "  # a second member on this machine",
        "  corral start --port 8001 --hazelcast-port 5702 \\",
        "      --join 127.0.0.1:5701,127.0.0.1:5702",
        "",
        "  # serving the LAN: make the secret once, copy it to every member's host",
        "  corral secret new --out /etc/corral/cluster.secret",
        "  corral start --host 0.0.0.0 --advertise 192.0.2.10 \\",
        "      --join 192.0.2.10:5701,192.0.2.11:5701 \\",
        "      --cluster-secret-file /etc/corral/cluster.secret"})
public final class StartCommand implements Callable<Integer> {

  @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON config file (env CORRAL_CONFIG).")
  Path config;

  @Option(names = "--host", paramLabel = "ADDR", description = "Interface the API binds to. Default 127.0.0.1; "
      + "0.0.0.0 serves the LAN.")
  String host;

  @Option(names = "--port", paramLabel = "PORT", description = "API port (Ollama + OpenAI). Default 8000.")
  String port;

  @Option(names = "--advertise", paramLabel = "ADDR",
      description = "Address other members and browsers use to reach this one. Default: --host.")
  String advertise;

  @Option(names = "--interface", paramLabel = "ADDR", description = "Interface Hazelcast binds to. Default: --host "
      + "if it is a specific address, else --advertise, else 127.0.0.1.")
  String hazelcastInterface;

  @Option(names = "--cluster-name", paramLabel = "NAME", description = "Only members with the same name form a "
      + "cluster. Default corral.")
  String clusterName;

  @Option(names = "--cluster-secret-file", paramLabel = "FILE", description = "The cluster secret (make one with "
      + "'corral secret new'; the same file on every member). Every member connection proves it, both ways. Required "
      + "when the cluster interface is not loopback. Or CORRAL_CLUSTER_SECRET with the secret itself.")
  String clusterSecretFile;

  @Option(names = "--member-allow", paramLabel = "CIDR", split = ",", description = "Members may connect only from "
      + "(and to) these addresses or ranges (repeatable or comma list), checked before the secret. Default: any.")
  List<String> memberAllow;

  @Option(names = "--insecure-cluster", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      description = "Run a cluster without a secret on a non-loopback interface: anyone who reaches the cluster port "
          + "can join it, read and change everything. Default false.")
  String insecureCluster;

  @Option(names = "--hazelcast-port", paramLabel = "PORT", description = "First Hazelcast port to try (the next "
      + "free one up is used if taken). Default 5701.")
  String hazelcastPort;

  @Option(names = "--join", paramLabel = "HOST:PORT", split = ",",
      description = "Members to join (comma list or repeated). Default: 127.0.0.1:5701-5710 only.")
  List<String> join;

  @Option(names = "--multicast", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      description = "Find members by multicast (leaves loopback; off by default).")
  String multicast;

  @Option(names = "--backend", paramLabel = "URL[;slots=N][;model-slots=N][;kind=K]",
      description = "A backend (repeatable). kind: ollama, llama-server, openai; found by probing when omitted. "
          + "slots: concurrent requests (llama-server reports its own; default 1). model-slots: how many of them "
          + "one model may use (an Ollama's OLLAMA_NUM_PARALLEL, with slots the total over its loaded models). "
          + "Also ;connect-timeout=D ;first-token-timeout=D ;idle-timeout=D.")
  List<String> backends;

  @Option(names = "--backends-file", paramLabel = "FILE", description = "A file of backends, one host:port or "
      + "URL[;slots=N][;kind=K] a line, # comments; re-read when it changes (a bad line changes nothing).")
  String backendsFile;

  @Option(names = "--admin-token", paramLabel = "TOKEN", description = "The cluster's admin token, required by "
      + "/admin/* and model management (pull, push, create, copy, delete, blobs) on every member as Authorization: "
      + "Bearer TOKEN. Prefer CORRAL_ADMIN_TOKEN or --admin-token-file: flags show in ps. A member without one takes "
      + "the cluster's; one with another refuses to start. Without any, a member serving beyond loopback refuses "
      + "those calls.")
  String adminToken;

  @Option(names = "--admin-token-file", paramLabel = "FILE", description = "The admin token, read from a file.")
  String adminTokenFile;

  @Option(names = "--probe-interval", paramLabel = "DURATION", description = "Backend health/model probe "
      + "interval. Default 5s.")
  String probeInterval;

  @Option(names = "--rpc-check-interval", paramLabel = "DURATION", description = "How often the leader checks "
      + "listed rpc-servers with a bare TCP connect (never one a running llama-server uses). Default 5m.")
  String rpcCheckInterval;

  @Option(names = "--max-retries", paramLabel = "N", description = "Other backends a request may try after a "
      + "connect error, reset, 409/429/502/503/504 or first-token timeout before its first byte. Default 2.")
  String maxRetries;

  @Option(names = "--drain-timeout", paramLabel = "DURATION", description = "On SIGTERM, how long running "
      + "requests may finish before they are cut (queued ones go back at once). Default 30s.")
  String drainTimeout;

  @Option(names = "--body-timeout", paramLabel = "DURATION", description = "Time a client may take to send its "
      + "request body (then 408). Default 30s.")
  String bodyTimeout;

  @Option(names = "--slow-client-timeout", paramLabel = "DURATION", description = "Time a client may leave a full "
      + "buffer of its answer unread before its slot is freed and it is disconnected. Default 60s.")
  String slowClientTimeout;

  @Option(names = "--cold-loads-per-backend", paramLabel = "N", description = "Requests that may load a model on "
      + "one Ollama backend at once; backends with the model loaded are preferred. 0 = no cap. Default 1.")
  String coldLoadsPerBackend;

  @Option(names = "--cold-wait", paramLabel = "DURATION", description = "When the model is loaded on some backends "
      + "but none of them has a free slot, wait this long for one before loading the model on a free backend; once "
      + "a member has seen the model load, it waits the measured load time instead. 0 = never wait. Default 5s.")
  String coldWait;

  @Option(names = "--sticky-conversations", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      description = "Send the next turn of a chat (or every request with the same X-Corral-Session header) to the "
          + "backend its last turn ran on while that has a free slot, where the prompt is still cached. Cluster-wide."
          + " Default true.")
  String stickyConversations;

  @Option(names = "--cors-origin", paramLabel = "ORIGIN", description = "A web origin whose pages may call the model "
      + "APIs from a browser (repeatable; like OLLAMA_ORIGINS), e.g. https://chat.example.com; * for any. Pages "
      + "served from this machine (localhost, 127.0.0.1) always may.")
  List<String> corsOrigins;

  @Option(names = "--hedge-after", paramLabel = "DURATION", description = "Send a second copy of a request that "
      + "has no first byte after this long, when another backend has a free slot and nobody waits (the first to "
      + "answer wins, the other is cancelled). Default 0 = off.")
  String hedgeAfter;

  @Option(names = "--hedge-model", paramLabel = "MODEL", description = "Hedge only these models (repeatable). "
      + "Default: every model, when --hedge-after is set.")
  List<String> hedgeModels;

  @Option(names = "--connect-timeout", paramLabel = "DURATION", description = "Default 3s.")
  String connectTimeout;

  @Option(names = "--first-token-timeout", paramLabel = "DURATION",
      description = "Wait for a backend's first byte (cold model loads are slow). Default 120s.")
  String firstTokenTimeout;

  @Option(names = "--idle-timeout", paramLabel = "DURATION", description = "Silence allowed between chunks of a "
      + "stream. Default 30s.")
  String idleTimeout;

  @Option(names = "--max-body-size", paramLabel = "SIZE", description = "Largest request body. Default 32MiB "
      + "(a long context with several base64 images fits; model uploads to /api/blobs go to a backend directly).")
  String maxBodySize;

  @Option(names = "--body-memory", paramLabel = "SIZE", description = "Request bodies a member holds at once "
      + "(read, queued or being proxied); past it new requests with a body get 503 and Retry-After before their "
      + "body is read. Default: an eighth of the heap.")
  String bodyMemory;

  @Option(names = "--header-timeout", paramLabel = "DURATION", description = "A new connection must send its "
      + "request head within this, else it is closed. Default 15s.")
  String headerTimeout;

  @Option(names = "--keep-alive-timeout", paramLabel = "DURATION", description = "A client connection with no "
      + "request running is closed after this (queued and streaming requests are not idle). Default 60s.")
  String keepAliveTimeout;

  @Option(names = "--max-connections", paramLabel = "N", description = "Open client connections per member, all "
      + "its ports together; past it new connections are closed at once. Default 4096.")
  String maxConnections;

  @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate (chain) for HTTPS on the API "
      + "and dashboard ports; with --tls-key.")
  String tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key for --tls-cert.")
  String tlsKey;

  @Option(names = "--wire-version", paramLabel = "N", description = "The newest member-to-member format this "
      + "member speaks. Default: this build's newest. The cluster uses what every member speaks, so members of two "
      + "builds work side by side during an upgrade without it; lower it only to rehearse one.")
  String wireVersion;

  @Option(names = "--event-loops", paramLabel = "N", description = "Event loops serving the API. Default 2.")
  String eventLoops;

  @Option(names = "--dashboard-port", paramLabel = "PORT", description = "The leader's dashboard port (every "
      + "member also serves /dashboard on its API port). 0 = none. Default 8080.")
  String dashboardPort;

  @Option(names = "--dashboard-fallback", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      description = "When the dashboard port is taken, log it and serve the dashboard only under /dashboard "
          + "(true), or fail to start (false). Default true.")
  String dashboardFallback;

  @Option(names = "--dashboard-stats-interval", paramLabel = "DURATION", description = "How often each member "
      + "posts its statistics for the dashboard. Default 1s.")
  String dashboardStatsInterval;

  @Option(names = "--dashboard-event-sample-rate", paramLabel = "SHARE", description = "Share of high-rate info "
      + "events the dashboard keeps (0.1 or 10%%); warnings and errors are always kept. Default 1 (all).")
  String dashboardEventSampleRate;

  @Option(names = "--dashboard-max-events", paramLabel = "N", description = "Events each member keeps for the "
      + "dashboard. Default 10000.")
  String dashboardMaxEvents;

  @Option(names = "--app-stale-after", paramLabel = "DURATION", description = "A registered application without "
      + "a heartbeat for this long shows as stale. Default 90s.")
  String appStaleAfter;

  @Option(names = "--app-remove-after", paramLabel = "DURATION", description = "... and is removed after this "
      + "long. Default 5m.")
  String appRemoveAfter;

  @Option(names = "--strategy", paramLabel = "NAME", description = "Default routing strategy: least_loaded, "
      + "round_robin, random (X-Corral-Strategy overrides per request). Default least_loaded.")
  String strategy;

  @Option(names = "--queue-max-depth", paramLabel = "N", description = "Requests allowed to wait cluster-wide; "
      + "more get 429. Default 1000.")
  String queueMaxDepth;

  @Option(names = "--queue-max-wait", paramLabel = "DURATION", description = "Longest wait for a slot; then 503. "
      + "Default 60s.")
  String queueMaxWait;

  @Option(names = "--queue-aging-credit", paramLabel = "N", description = "Later arrivals one priority level may "
      + "overtake (anti-starvation). Default 100.")
  String queueAgingCredit;

  @Option(names = "--min-cluster-size", paramLabel = "N", description = "Split-brain protection: a side that sees "
      + "fewer members refuses to grant slots (503). Default 1 (off); use a majority, e.g. 2 of 3.")
  String minClusterSize;

  @Option(names = "--scan-cidr", paramLabel = "CIDR", description = "Let the leader scan this IPv4 range for "
      + "backends (repeatable, or comma-separated). Nothing outside the configured backends is touched without it.")
  List<String> scanCidr;

  @Option(names = "--backend-allow", paramLabel = "CIDR", split = ",", description = "Where backends added through "
      + "the admin API or found by a scan may be (repeatable or comma list), checked on the resolved address of every "
      + "connect on every member. Default: loopback and the --scan-cidr ranges. Backends you list yourself "
      + "(--backend, config file, backends file) are not checked.")
  List<String> backendAllow;

  @Option(names = "--scan-ports", paramLabel = "PORT[:KIND],...", description = "Ports to try on every scanned "
      + "host; KIND: ollama, llama-server, openai, rpc-server, auto. Default 11434:ollama,8080:llama-server,"
      + "50052:rpc-server. rpc ports only get a bare TCP connect.")
  String scanPorts;

  @Option(names = "--scan-interval", paramLabel = "DURATION", description = "From one scan's start to the next. "
      + "Default 10m.")
  String scanInterval;

  @Option(names = "--scan-concurrency", paramLabel = "N", description = "Connection attempts in flight during a "
      + "scan. Default 64.")
  String scanConcurrency;

  @Option(names = "--scan-connect-timeout", paramLabel = "DURATION", description = "Default 300ms.")
  String scanConnectTimeout;

  @Option(names = "--scan-probe-timeout", paramLabel = "DURATION", description = "Time to fingerprint one open "
      + "HTTP port. Default 2s.")
  String scanProbeTimeout;

  @Option(names = "--scan-max-prefix", paramLabel = "N", description = "Widest CIDR allowed (a safety limit). "
      + "Default 16 (a /16).")
  String scanMaxPrefix;

  @Option(names = "--breaker-failure-rate", paramLabel = "PERCENT", description = "A backend's circuit opens "
      + "cluster-wide when this share of the last --breaker-window requests through a member failed. Default 50.")
  String breakerFailureRate;

  @Option(names = "--breaker-window", paramLabel = "N", description = "Default 10.")
  String breakerWindow;

  @Option(names = "--breaker-minimum-calls", paramLabel = "N", description = "Requests before the rate counts. "
      + "Default 5.")
  String breakerMinimumCalls;

  @Option(names = "--breaker-cool-down", paramLabel = "DURATION", description = "How long an open circuit "
      + "keeps a backend out before trial requests. Default 10s.")
  String breakerCoolDown;

  @Option(names = "--partition-count", paramLabel = "N", hidden = true)
  String partitionCount;

  /** The flags that were given, keyed by setting name, for {@link ConfigLoader}. */
  Map<String, Object> givenFlags() {
    Map<String, Object> m = new LinkedHashMap<>();
    put(m, "host", host);
    put(m, "port", port);
    put(m, "advertise", advertise);
    put(m, "interface", hazelcastInterface);
    put(m, "clusterName", clusterName);
    put(m, "clusterSecretFile", clusterSecretFile);
    put(m, "memberAllow", memberAllow);
    put(m, "insecureCluster", insecureCluster);
    put(m, "hazelcastPort", hazelcastPort);
    put(m, "join", join);
    put(m, "multicast", multicast);
    put(m, "backends", backends);
    put(m, "backendsFile", backendsFile);
    put(m, "adminToken", adminToken);
    put(m, "adminTokenFile", adminTokenFile);
    put(m, "probeInterval", probeInterval);
    put(m, "rpcCheckInterval", rpcCheckInterval);
    put(m, "maxRetries", maxRetries);
    put(m, "drainTimeout", drainTimeout);
    put(m, "bodyTimeout", bodyTimeout);
    put(m, "slowClientTimeout", slowClientTimeout);
    put(m, "hedgeAfter", hedgeAfter);
    put(m, "coldLoadsPerBackend", coldLoadsPerBackend);
    put(m, "coldWait", coldWait);
    put(m, "stickyConversations", stickyConversations);
    put(m, "corsOrigins", corsOrigins);
    put(m, "hedgeModels", hedgeModels);
    put(m, "connectTimeout", connectTimeout);
    put(m, "firstTokenTimeout", firstTokenTimeout);
    put(m, "idleTimeout", idleTimeout);
    put(m, "maxBodySize", maxBodySize);
    put(m, "bodyMemory", bodyMemory);
    put(m, "headerTimeout", headerTimeout);
    put(m, "keepAliveTimeout", keepAliveTimeout);
    put(m, "maxConnections", maxConnections);
    put(m, "tlsCert", tlsCert);
    put(m, "tlsKey", tlsKey);
    put(m, "eventLoops", eventLoops);
    put(m, "wireVersion", wireVersion);
    put(m, "dashboardPort", dashboardPort);
    put(m, "dashboardFallback", dashboardFallback);
    put(m, "dashboardStatsInterval", dashboardStatsInterval);
    put(m, "dashboardEventSampleRate", dashboardEventSampleRate);
    put(m, "dashboardMaxEvents", dashboardMaxEvents);
    put(m, "appStaleAfter", appStaleAfter);
    put(m, "appRemoveAfter", appRemoveAfter);
    put(m, "partitionCount", partitionCount);
    put(m, "strategy", strategy);
    put(m, "queueMaxDepth", queueMaxDepth);
    put(m, "queueMaxWait", queueMaxWait);
    put(m, "queueAgingCredit", queueAgingCredit);
    put(m, "minClusterSize", minClusterSize);
    put(m, "breakerFailureRate", breakerFailureRate);
    put(m, "breakerWindow", breakerWindow);
    put(m, "breakerMinimumCalls", breakerMinimumCalls);
    put(m, "breakerCoolDown", breakerCoolDown);
    put(m, "scanCidr", scanCidr);
    put(m, "backendAllow", backendAllow);
    put(m, "scanPorts", scanPorts);
    put(m, "scanInterval", scanInterval);
    put(m, "scanConcurrency", scanConcurrency);
    put(m, "scanConnectTimeout", scanConnectTimeout);
    put(m, "scanProbeTimeout", scanProbeTimeout);
    put(m, "scanMaxPrefix", scanMaxPrefix);
    return m;
  }

  private static void put(Map<String, Object> m, String key, Object value) {
    if (value != null) {
      m.put(key, value);
    }
  }

  /** Resolves the configuration from flags, the environment and the config file. */
  RouterConfig resolve(Map<String, String> env) {
    return ConfigLoader.load(givenFlags(), env, config);
  }

  @Override
  public Integer call() throws InterruptedException {
    RouterConfig cfg = resolve(System.getenv());
    RouterNode node = RouterNode.start(cfg);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      node.close();
      stopped.countDown();
    }, "corral-shutdown"));
    System.out.println("corral member " + node.apiUrl() + " is serving (cluster '" + cfg.clusterName() + "', "
        + node.member().members().size() + " member(s)); Ctrl-C stops it");
    System.out.flush();
    stopped.await();
    return 0;
  }
}
