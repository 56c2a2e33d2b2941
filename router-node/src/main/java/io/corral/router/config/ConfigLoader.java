package io.corral.router.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.corral.cluster.ledger.Strategy;
import io.corral.cluster.trust.AddressRanges;
import io.corral.cluster.wire.WireVersion;
import io.corral.dashboard.DashboardSettings;
import io.corral.discovery.BackendSpec;
import io.corral.discovery.file.BackendsFile;
import io.corral.discovery.scan.ScanPlan;
import io.corral.discovery.scan.ScanPort;
import io.corral.discovery.scan.ScanRange;
import io.corral.discovery.scan.ScannerOptions;
import io.corral.router.routing.BackendBreakers;
import io.corral.router.routing.HedgePolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Merges configuration sources into one {@link RouterConfig}: flags > {@code CORRAL_*} env vars > config file
 * (YAML or JSON) > defaults. Every setting has one name, written {@code camelCase} in files (kebab-case also
 * accepted), {@code --kebab-case} as a flag and {@code CORRAL_UPPER_SNAKE} in the environment. Backends are the
 * exception to "higher replaces lower": every source's backends are used, and for a backend named in several
 * sources the highest source's options win.
 */
public final class ConfigLoader {

  /** One setting: its name, default and parser. Defaults live here and nowhere else. */
  private record Setting(String name, Object defaultValue, Function<Object, Object> parser) {
    String flag() {
      return "--" + name.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
    }

    String env() {
      return "CORRAL_" + name.replaceAll("([A-Z])", "_$1").toUpperCase(Locale.ROOT);
    }
  }

  private static final List<Setting> SETTINGS = List.of(
      new Setting("host", "127.0.0.1", Values::string),
      new Setting("port", 8000, Values::port),
      new Setting("advertise", "", Values::string),
      new Setting("interface", "", Values::string),
      new Setting("clusterName", "corral", Values::string),
      new Setting("clusterSecretFile", "", Values::string),
      // the secret itself: env CORRAL_CLUSTER_SECRET or the config file, never a flag (flags show in ps)
      new Setting("clusterSecret", "", ConfigLoader::secretText),
      new Setting("memberAllow", List.of(), v -> Values.list(v).stream().map(Values::string).toList()),
      new Setting("insecureCluster", false, Values::bool),
      new Setting("hazelcastPort", 5701, Values::port),
      new Setting("join", List.of(), v -> Values.list(v).stream().map(Values::string).toList()),
      new Setting("multicast", false, Values::bool),
      new Setting("backends", List.of(), ConfigLoader::backends),
      new Setting("backendsFile", "", Values::string),
      new Setting("adminToken", "", Values::string),
      new Setting("adminTokenFile", "", Values::string),
      new Setting("probeInterval", Duration.ofSeconds(5), Values::duration),
      new Setting("rpcCheckInterval", Duration.ofMinutes(5), Values::duration),
      new Setting("maxRetries", 2, Values::integer),
      new Setting("drainTimeout", Duration.ofSeconds(30), Values::duration),
      new Setting("bodyTimeout", Duration.ofSeconds(30), Values::duration),
      new Setting("slowClientTimeout", Duration.ofSeconds(60), Values::duration),
      new Setting("hedgeAfter", Duration.ZERO, Values::duration),
      new Setting("coldLoadsPerBackend", 1, Values::integer),
      new Setting("coldWait", Duration.ofSeconds(5), Values::duration),
      new Setting("stickyConversations", true, Values::bool),
      new Setting("corsOrigins", List.of(), v -> Values.list(v).stream().map(Values::string).toList()),
      new Setting("hedgeModels", List.of(), v -> Values.list(v).stream().map(Values::string).toList()),
      new Setting("connectTimeout", Duration.ofSeconds(3), Values::duration),
      new Setting("firstTokenTimeout", Duration.ofSeconds(120), Values::duration),
      new Setting("idleTimeout", Duration.ofSeconds(30), Values::duration),
      new Setting("maxBodySize", 32L << 20, Values::bytes),
      new Setting("headerTimeout", HttpLimits.DEFAULT_HEADER_TIMEOUT, Values::duration),
      new Setting("keepAliveTimeout", HttpLimits.DEFAULT_KEEP_ALIVE_TIMEOUT, Values::duration),
      new Setting("maxConnections", HttpLimits.DEFAULT_MAX_CONNECTIONS, Values::integer),
      new Setting("bodyMemory", 0L, Values::bytes),
      new Setting("tlsCert", "", Values::string),
      new Setting("tlsKey", "", Values::string),
      new Setting("eventLoops", 2, Values::integer),
      new Setting("wireVersion", WireVersion.CURRENT, Values::integer),
      new Setting("dashboardPort", DashboardSettings.DEFAULTS.port(), Values::port),
      new Setting("dashboardFallback", DashboardSettings.DEFAULTS.fallback(), Values::bool),
      new Setting("dashboardStatsInterval", DashboardSettings.DEFAULTS.statsInterval(), Values::duration),
      new Setting("dashboardEventSampleRate", DashboardSettings.DEFAULTS.eventSampleRate(), Values::fraction),
      new Setting("dashboardMaxEvents", DashboardSettings.DEFAULTS.maxEvents(), Values::integer),
      new Setting("appStaleAfter", DashboardSettings.DEFAULTS.appStaleAfter(), Values::duration),
      new Setting("appRemoveAfter", DashboardSettings.DEFAULTS.appRemoveAfter(), Values::duration),
      new Setting("partitionCount", 271, Values::integer),
      new Setting("strategy", Strategy.LEAST_LOADED, v -> Strategy.parse(Values.string(v))),
      new Setting("queueMaxDepth", 1000, Values::integer),
      new Setting("queueMaxWait", Duration.ofSeconds(60), Values::duration),
      new Setting("queueAgingCredit", 100, Values::integer),
      new Setting("minClusterSize", 1, Values::integer),
      new Setting("breakerWindow", BackendBreakers.Settings.DEFAULTS.window(), Values::integer),
      new Setting("breakerMinimumCalls", BackendBreakers.Settings.DEFAULTS.minimumCalls(), Values::integer),
      new Setting("breakerFailureRate", (int) BackendBreakers.Settings.DEFAULTS.failureRate(), Values::integer),
      new Setting("breakerCoolDown", BackendBreakers.Settings.DEFAULTS.coolDown(), Values::duration),
      new Setting("scanCidr", List.of(), v -> Values.list(v).stream().map(Values::string).toList()),
      new Setting("backendAllow", List.of(), v -> Values.list(v).stream().map(Values::string).toList()),
      new Setting("scanPorts", "", Values::string),
      new Setting("scanInterval", ScanPlan.DEFAULT_INTERVAL, Values::duration),
      new Setting("scanConcurrency", ScannerOptions.DEFAULTS.concurrency(), Values::integer),
      new Setting("scanConnectTimeout", ScannerOptions.DEFAULTS.connectTimeout(), Values::duration),
      new Setting("scanProbeTimeout", ScannerOptions.DEFAULTS.probeTimeout(), Values::duration),
      new Setting("scanMaxPrefix", ScanRange.DEFAULT_WIDEST_PREFIX, Values::integer));

  /** Env var naming the config file when {@code --config} is not given. */
  public static final String CONFIG_ENV = "CORRAL_CONFIG";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ConfigLoader() {}

  /**
   * Merges the sources.
   *
   * @param flags      settings given on the command line, keyed by setting name (camelCase); values as text
   *                   or lists of text
   * @param env        the process environment
   * @param configFile file named by {@code --config}, or null to use {@code CORRAL_CONFIG} if set
   * @throws ConfigException naming the setting, the source and what is allowed
   */
  public static RouterConfig load(Map<String, Object> flags, Map<String, String> env, Path configFile) {
    Path file = configFile;
    if (file == null && env.get(CONFIG_ENV) != null && !env.get(CONFIG_ENV).isBlank()) {
      file = Path.of(env.get(CONFIG_ENV));
    }
    Map<String, Object> fromFile = file == null ? Map.of() : readFile(file);
    Map<String, Object> merged = new LinkedHashMap<>();
    List<BackendSpec> backends = new ArrayList<>();
    for (Setting s : SETTINGS) {
      Object value = s.defaultValue();
      if (fromFile.containsKey(s.name())) {
        value = parse(s, fromFile.get(s.name()), "config file " + file);
      }
      if (env.containsKey(s.env())) {
        value = parse(s, env.get(s.env()), "env " + s.env());
      }
      if (flags.containsKey(s.name())) {
        value = parse(s, flags.get(s.name()), "flag " + s.flag());
      }
      if (s.name().equals("backends")) {
        // lowest first, so higher sources overwrite the options of a backend they also name
        if (fromFile.containsKey("backends")) {
          mergeBackends(backends, castBackends(parse(s, fromFile.get("backends"), "config file " + file)));
        }
        if (env.containsKey(s.env())) {
          mergeBackends(backends, castBackends(parse(s, env.get(s.env()), "env " + s.env())));
        }
        if (flags.containsKey("backends")) {
          mergeBackends(backends, castBackends(parse(s, flags.get("backends"), "flag --backend")));
        }
        value = backends;
      }
      merged.put(s.name(), value);
    }
    @SuppressWarnings("unchecked")
    List<String> join = (List<String>) merged.get("join");
    RouterConfig config;
    try {
      config = new RouterConfig((String) merged.get("host"), (int) merged.get("port"),
          emptyToNull((String) merged.get("advertise")), emptyToNull((String) merged.get("interface")),
          (String) merged.get("clusterName"),
          (int) merged.get("hazelcastPort"), join, (boolean) merged.get("multicast"), backends,
          (Duration) merged.get("probeInterval"), (Duration) merged.get("connectTimeout"),
          (Duration) merged.get("firstTokenTimeout"), (Duration) merged.get("idleTimeout"),
          ((Number) merged.get("maxBodySize")).longValue(), (int) merged.get("eventLoops"),
          dashboardSettings(merged), (int) merged.get("partitionCount"), (Strategy) merged.get("strategy"),
          (int) merged.get("queueMaxDepth"), (Duration) merged.get("queueMaxWait"),
          (int) merged.get("queueAgingCredit"), (int) merged.get("minClusterSize"), scanPlan(merged),
          backendsFile((String) merged.get("backendsFile")), adminToken(merged),
          breakerSettings(merged), (Duration) merged.get("rpcCheckInterval"), (int) merged.get("maxRetries"),
          (Duration) merged.get("drainTimeout"), (Duration) merged.get("bodyTimeout"),
          (Duration) merged.get("slowClientTimeout"), hedgePolicy(merged), (int) merged.get("coldLoadsPerBackend"),
          (Duration) merged.get("coldWait"), (boolean) merged.get("stickyConversations"),
          (List<String>) merged.get("corsOrigins"), ClusterTrustLoader.load(merged), backendAllow(merged),
          httpLimits(merged), (int) merged.get("wireVersion"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    try {
      config.trust().checkExposure(config.clusterBindAddress(), config.multicast());
    } catch (IllegalStateException e) {
      throw new ConfigException(e.getMessage());
    }
    return config;
  }

  private static HttpLimits httpLimits(Map<String, Object> merged) {
    String cert = (String) merged.get("tlsCert");
    String key = (String) merged.get("tlsKey");
    HttpLimits limits = new HttpLimits((Duration) merged.get("headerTimeout"),
        (Duration) merged.get("keepAliveTimeout"), (int) merged.get("maxConnections"),
        ((Number) merged.get("bodyMemory")).longValue(), cert.isBlank() ? null : Path.of(cert),
        key.isBlank() ? null : Path.of(key));
    for (Path p : new Path[] {limits.tlsCert(), limits.tlsKey()}) {
      if (p != null && !Files.isReadable(p)) {
        throw new ConfigException("TLS file " + p + " cannot be read");
      }
    }
    return limits;
  }

  @SuppressWarnings("unchecked")
  private static HedgePolicy hedgePolicy(Map<String, Object> merged) {
    return HedgePolicy.of((Duration) merged.get("hedgeAfter"), (List<String>) merged.get("hedgeModels"));
  }

  private static DashboardSettings dashboardSettings(Map<String, Object> merged) {
    try {
      return new DashboardSettings((int) merged.get("dashboardPort"), (boolean) merged.get("dashboardFallback"),
          (Duration) merged.get("dashboardStatsInterval"), (double) merged.get("dashboardEventSampleRate"),
          (int) merged.get("dashboardMaxEvents"), (Duration) merged.get("appStaleAfter"),
          (Duration) merged.get("appRemoveAfter"));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("dashboard settings: " + e.getMessage());
    }
  }

  private static BackendBreakers.Settings breakerSettings(Map<String, Object> merged) {
    int window = (int) merged.get("breakerWindow");
    int minimum = (int) merged.get("breakerMinimumCalls");
    int rate = (int) merged.get("breakerFailureRate");
    Duration coolDown = (Duration) merged.get("breakerCoolDown");
    if (window < 1 || minimum < 1 || minimum > window) {
      throw new ConfigException("--breaker-window must be >= 1 and --breaker-minimum-calls 1.." + window
          + ", got " + window + " and " + minimum);
    }
    if (rate < 1 || rate > 100) {
      throw new ConfigException("--breaker-failure-rate is a percentage, 1-100, got " + rate);
    }
    if (coolDown.isZero() || coolDown.isNegative()) {
      throw new ConfigException("--breaker-cool-down must be positive, got " + coolDown);
    }
    return new BackendBreakers.Settings(window, minimum, rate, coolDown);
  }

  /**
   * Where runtime backends may be: the given ranges, else loopback and the scan ranges (what the operator already
   * said corral may touch).
   */
  @SuppressWarnings("unchecked")
  private static AddressRanges backendAllow(Map<String, Object> merged) {
    List<String> given = (List<String>) merged.get("backendAllow");
    List<String> ranges = new ArrayList<>(given);
    if (ranges.isEmpty()) {
      ranges.add("127.0.0.0/8");
      ranges.add("::1");
      ranges.addAll((List<String>) merged.get("scanCidr"));
    }
    try {
      return AddressRanges.parse(ranges);
    } catch (IllegalArgumentException e) {
      throw new ConfigException((given.isEmpty() ? "--scan-cidr: " : "--backend-allow: ") + e.getMessage());
    }
  }

  /** The admin token: given inline (prefer the environment: flags show in ps) or read from a file, not both. */
  private static String adminToken(Map<String, Object> merged) {
    String inline = (String) merged.get("adminToken");
    String file = (String) merged.get("adminTokenFile");
    if (file.isBlank()) {
      return inline;
    }
    if (!inline.isBlank()) {
      throw new ConfigException("give the admin token once: CORRAL_ADMIN_TOKEN (or --admin-token) or "
          + "--admin-token-file, not both");
    }
    try {
      String token = Files.readString(Path.of(file)).strip();
      if (token.isEmpty() || token.contains("\n")) {
        throw new ConfigException("--admin-token-file " + file + " must hold the token on one line");
      }
      return token;
    } catch (IOException e) {
      throw new ConfigException("--admin-token-file " + file + ": cannot read it: " + e.getMessage());
    }
  }

  /** The backends file, checked at start: a member never starts on a file it cannot read or parse. */
  private static Path backendsFile(String path) {
    if (path.isBlank()) {
      return null;
    }
    Path p = Path.of(path);
    try {
      BackendsFile.parse(Files.readString(p));
    } catch (IOException e) {
      throw new ConfigException("--backends-file " + path + ": cannot read it: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--backends-file " + path + ": " + e.getMessage());
    }
    return p;
  }

  /** The network scan, from the scan* settings; CIDR and port errors name the flag. */
  private static ScanPlan scanPlan(Map<String, Object> merged) {
    int widest = (int) merged.get("scanMaxPrefix");
    if (widest < 0 || widest > 32) {
      throw new ConfigException("--scan-max-prefix must be 0-32 (the widest CIDR allowed, e.g. 16 for a /16), got "
          + widest);
    }
    List<ScanRange> ranges = new ArrayList<>();
    @SuppressWarnings("unchecked")
    List<String> cidrs = (List<String>) merged.get("scanCidr");
    for (String cidr : cidrs) {
      try {
        ranges.addAll(ScanRange.parseList(cidr, widest));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("--scan-cidr: " + e.getMessage());
      }
    }
    String ports = (String) merged.get("scanPorts");
    List<ScanPort> scanPorts;
    try {
      scanPorts = ports.isBlank() ? ScanPort.DEFAULTS : ScanPort.parseList(ports);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--scan-ports: " + e.getMessage());
    }
    try {
      return new ScanPlan(ranges, scanPorts, (Duration) merged.get("scanInterval"),
          new ScannerOptions((int) merged.get("scanConcurrency"), (Duration) merged.get("scanConnectTimeout"),
              (Duration) merged.get("scanProbeTimeout")));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("scan settings: " + e.getMessage());
    }
  }

  private static Object parse(Setting s, Object raw, String source) {
    try {
      return s.parser().apply(raw);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("bad value for " + s.name() + " (" + source + "): " + e.getMessage());
    }
  }

  private static Map<String, Object> readFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("config file " + file + " does not exist");
    }
    Object tree;
    try {
      // YAML is a superset of JSON, so one parser reads both
      tree = YAML.readValue(Files.readString(file), Object.class);
    } catch (JsonProcessingException e) {
      // the parser's own message quotes the offending line on its next lines; that line may hold a secret
      String problem = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().lines().findFirst().orElse("");
      throw new ConfigException("config file " + file + " is not valid YAML/JSON: " + problem
          + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()));
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
    }
    if (tree == null) {
      return Map.of();
    }
    if (!(tree instanceof Map<?, ?> map)) {
      throw new ConfigException("config file " + file + " must be a mapping of setting: value");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = canonical(String.valueOf(e.getKey()));
      if (key == null) {
        throw new ConfigException("unknown setting '" + e.getKey() + "' in config file " + file + " (known: "
            + String.join(", ", SETTINGS.stream().map(Setting::name).toList()) + ")");
      }
      out.put(key, e.getValue());
    }
    return out;
  }

  /** Maps {@code hazelcastPort}, {@code hazelcast-port} or {@code hazelcast_port} to the setting's name. */
  private static String canonical(String key) {
    String k = key.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
    if (k.equals("backend")) {
      return "backends";
    }
    for (Setting s : SETTINGS) {
      if (s.name().toLowerCase(Locale.ROOT).equals(k)) {
        return s.name();
      }
    }
    return null;
  }

  /** The cluster secret as text: a string, or a list of keys (current first), as a file would hold them. */
  private static Object secretText(Object raw) {
    if (raw instanceof List<?> keys) {
      return String.join("\n", keys.stream().map(Values::string).toList());
    }
    if (raw instanceof Map<?, ?>) {
      throw new IllegalArgumentException("the cluster secret must be text or a list of keys");
    }
    return Values.string(raw);
  }

  private static Object backends(Object raw) {
    List<BackendSpec> out = new ArrayList<>();
    for (Object item : Values.list(raw)) {
      if (item instanceof Map<?, ?> m) {
        out.add(BackendSpec.fromFields(m));
      } else {
        out.add(BackendSpec.parse(Values.string(item)));
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static List<BackendSpec> castBackends(Object o) {
    return (List<BackendSpec>) o;
  }

  private static void mergeBackends(List<BackendSpec> into, List<BackendSpec> higher) {
    for (BackendSpec spec : higher) {
      into.removeIf(b -> b.id().equals(spec.id()));
      into.add(spec);
    }
  }

  private static String emptyToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
