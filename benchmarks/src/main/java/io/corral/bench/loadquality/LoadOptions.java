package io.corral.bench.loadquality;

import static io.corral.bench.CliValues.duration;
import static io.corral.bench.CliValues.pair;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one load-quality run does, parsed from {@code --name value} flags and validated up front, so a typo fails
 * before a quarter of an hour of load rather than after.
 *
 * @param scenarios        the balancer set-ups compared, in the order given (each repetition rotates the order)
 * @param anchor           the scenario the others are compared with (the ideal single queue)
 * @param corral           the scenario made of corral members (its answers carry the X-Corral-* headers)
 * @param sims             the simulated backends' URLs (control endpoints; the direct target of the fast path)
 * @param simPid           the simulator process (CPU shown for context), or 0
 * @param slots            slots per backend (the same number is configured in every balancer)
 * @param firstTokenMillis the backends' first-token delay (the generator checks it against its measurements)
 * @param tokens           NDJSON chunks per answer, before the final {@code done} line
 * @param tokensPerSecond  the backends' streaming speed
 * @param serviceMillis    one request's service time at the backend, as measured (capacity = backends x slots /
 *                         service time); the fast-path runs report the measured value next to it
 * @param loads            offered loads as fractions of the fleet's capacity, e.g. 0.7 and 0.9
 * @param runs             repetitions of every (load, scenario) pair
 * @param prime            unrecorded load on every scenario before the first run (JIT warm-up of all JVMs)
 * @param warmup           the unrecorded start of every run
 * @param measure          the measured arrivals of every run (their answers are waited for to the end)
 * @param fastPathLoad     the low load at which corral's fast path is compared with a direct call
 * @param fastPathMeasure  measured arrivals of each fast-path run
 * @param seed             seed of the Poisson arrival sequences (one sequence per load, replayed in every run)
 * @param overtakeMarginMs a later arrival counts as overtaking "clearly" when its first byte came this much sooner
 * @param waitedMs         a request "waited" (for the dispatch figures) when its queue-time header is at least this
 * @param clockTicks       {@code getconf CLK_TCK}, to turn {@code /proc} CPU ticks into seconds
 * @param eventLoops       the generator's Vert.x event loops
 * @param requestTimeout   idle timeout of one request; a stuck stream counts as an error
 * @param jmx              count corral's Hazelcast invocations through a JMX attach to its members
 * @param out              also write the Markdown report here (may be null)
 * @param recordsDir       write every request of every run as CSV here, one file per run (may be null)
 * @param command          the command line to quote in the report
 */
record LoadOptions(List<Scenario> scenarios, String anchor, String corral, List<URI> sims, long simPid, int slots,
    int firstTokenMillis, int tokens, double tokensPerSecond, double serviceMillis, List<Double> loads, int runs,
    Duration prime, Duration warmup, Duration measure, double fastPathLoad, Duration fastPathMeasure, long seed,
    double overtakeMarginMs, int waitedMs, int clockTicks, int eventLoops, Duration requestTimeout, boolean jmx,
    Path out, Path recordsDir, String command) {

  /**
   * One balancer set-up: its entry points (request {@code i} goes to entry {@code i % entries}), the processes
   * whose CPU is its cost, an optional header every answer must carry and a line saying what it is.
   */
  record Scenario(String name, List<URI> entries, List<Long> pids, String requiredHeader, String description) {
    Scenario {
      entries = List.copyOf(entries);
      pids = List.copyOf(pids);
      if (entries.isEmpty()) {
        throw new IllegalArgumentException("scenario " + name + " has no entry point");
      }
      for (URI u : entries) {
        requireLoopback("scenario " + name, u);
      }
    }
  }

  static final String USAGE = """
      LoadQualityBench: open-loop Poisson streaming load through several balancer set-ups, same arrivals for all.
        --scenario NAME=URL[,URL...]    entry points of a set-up (repeat; request i goes to entry i % n)
        --pids NAME=PID[,PID...]        its balancer processes (CPU)
        --describe NAME=TEXT            one line for the report
        --require-header NAME=HDR       every answer through NAME must carry HDR
        --anchor NAME  --corral NAME    the ideal set-up; the corral set-up
        --sim URL[,URL...]  --sim-pid PID   the simulated backends (GET/POST /_sim/stats|reset)
        --slots 2  --first-token-ms 20  --tokens 16  --tokens-per-second 200  --service-ms 100
        --loads 0.7,0.9  --runs 3  --prime 30s  --warmup 5s  --measure 40s
        --fast-path-load 0.1  --fast-path-measure 30s  --seed 20240521  --overtake-margin-ms 5  --waited-ms 5
        --clk-tck 100  --event-loops 1  --request-timeout 70s  --no-jmx  --out FILE  --records DIR  --command TEXT
      """;

  LoadOptions {
    scenarios = List.copyOf(scenarios);
    sims = List.copyOf(sims);
    loads = List.copyOf(loads);
    if (scenarios.isEmpty()) {
      throw new IllegalArgumentException("no --scenario given");
    }
    if (sims.isEmpty()) {
      throw new IllegalArgumentException("no --sim given (the backends' control endpoints are needed)");
    }
    for (URI u : sims) {
      requireLoopback("--sim", u);
    }
    // (the fields are not assigned yet inside the compact constructor: look in the parameter)
    List<String> names = scenarios.stream().map(Scenario::name).toList();
    if (anchor != null && !names.contains(anchor)) {
      throw new IllegalArgumentException("--anchor names no scenario: " + anchor);
    }
    if (corral != null && !names.contains(corral)) {
      throw new IllegalArgumentException("--corral names no scenario: " + corral);
    }
    if (slots < 1 || tokens < 1 || tokensPerSecond <= 0 || firstTokenMillis < 0 || serviceMillis <= 0) {
      throw new IllegalArgumentException("--slots, --tokens, --tokens-per-second and --service-ms must be positive");
    }
    if (loads.isEmpty() || loads.stream().anyMatch(l -> l <= 0 || l >= 1.5)) {
      throw new IllegalArgumentException("--loads must be fractions of capacity in (0, 1.5)");
    }
    if (fastPathLoad < 0 || fastPathLoad >= 1) {
      throw new IllegalArgumentException("--fast-path-load must be in [0, 1); 0 skips the fast-path runs");
    }
    if (runs < 1 || clockTicks < 1 || eventLoops < 1 || waitedMs < 1) {
      throw new IllegalArgumentException("--runs, --clk-tck, --event-loops and --waited-ms must be positive");
    }
    if (measure.toMillis() < 1000 || fastPathMeasure.toMillis() < 1000 || warmup.isNegative() || prime.isNegative()) {
      throw new IllegalArgumentException("--measure and --fast-path-measure must be at least 1s");
    }
  }

  /**
   * Service time of one request. Nominally first token + (tokens - 1) / tps (the end comes with the last token),
   * but the simulator's millisecond timers round every token gap up, so it is a flag set to the measured value.
   */
  double serviceSeconds() {
    return serviceMillis / 1000.0;
  }

  /** Requests per second the fleet can serve at full use of every slot. */
  double capacityPerSecond() {
    return sims.size() * slots / serviceSeconds();
  }

  Scenario scenario(String name) {
    for (Scenario s : scenarios) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }

  static LoadOptions parse(String[] args) {
    Map<String, List<URI>> entries = new LinkedHashMap<>();
    Map<String, List<Long>> pids = new LinkedHashMap<>();
    Map<String, String> headers = new LinkedHashMap<>();
    Map<String, String> descriptions = new LinkedHashMap<>();
    String anchor = null;
    String corral = null;
    List<URI> sims = new ArrayList<>();
    long simPid = 0;
    int slots = 2;
    int firstToken = 20;
    int tokens = 16;
    double tps = 200;
    double serviceMs = 100;
    List<Double> loads = List.of(0.7, 0.9);
    int runs = 3;
    Duration prime = Duration.ofSeconds(30);
    Duration warmup = Duration.ofSeconds(5);
    Duration measure = Duration.ofSeconds(40);
    double fastLoad = 0.1;
    Duration fastMeasure = Duration.ofSeconds(30);
    long seed = 20240521L;
    double margin = 5;
    int waitedMs = 5;
    int clockTicks = 100;
    int eventLoops = 1;
    Duration requestTimeout = Duration.ofSeconds(70);
    boolean jmx = true;
    Path out = null;
    Path recordsDir = null;
    String command = null;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--help") || flag.equals("-h")) {
        throw new IllegalArgumentException("");
      }
      if (flag.equals("--no-jmx")) {
        jmx = false;
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--scenario" -> {
          String[] kv = pair(flag, value);
          List<URI> urls = new ArrayList<>();
          for (String u : kv[1].split(",")) {
            urls.add(URI.create(u.trim()));
          }
          entries.put(kv[0], urls);
        }
        case "--pids" -> {
          String[] kv = pair(flag, value);
          List<Long> ps = new ArrayList<>();
          for (String p : kv[1].split(",")) {
            ps.add(Long.parseLong(p.trim()));
          }
          pids.put(kv[0], ps);
        }
        case "--describe" -> {
          String[] kv = pair(flag, value);
          descriptions.put(kv[0], kv[1]);
        }
        case "--require-header" -> {
          String[] kv = pair(flag, value);
          headers.put(kv[0], kv[1]);
        }
        case "--anchor" -> anchor = value;
        case "--corral" -> corral = value;
        case "--sim" -> {
          for (String u : value.split(",")) {
            sims.add(URI.create(u.trim()));
          }
        }
        case "--sim-pid" -> simPid = Long.parseLong(value);
        case "--slots" -> slots = Integer.parseInt(value);
        case "--first-token-ms" -> firstToken = Integer.parseInt(value);
        case "--tokens" -> tokens = Integer.parseInt(value);
        case "--tokens-per-second" -> tps = Double.parseDouble(value);
        case "--service-ms" -> serviceMs = Double.parseDouble(value);
        case "--loads" -> {
          List<Double> ls = new ArrayList<>();
          for (String l : value.split(",")) {
            ls.add(Double.parseDouble(l.trim()));
          }
          loads = ls;
        }
        case "--runs" -> runs = Integer.parseInt(value);
        case "--prime" -> prime = duration(value);
        case "--warmup" -> warmup = duration(value);
        case "--measure" -> measure = duration(value);
        case "--fast-path-load" -> fastLoad = Double.parseDouble(value);
        case "--fast-path-measure" -> fastMeasure = duration(value);
        case "--seed" -> seed = Long.parseLong(value);
        case "--overtake-margin-ms" -> margin = Double.parseDouble(value);
        case "--waited-ms" -> waitedMs = Integer.parseInt(value);
        case "--clk-tck" -> clockTicks = Integer.parseInt(value);
        case "--event-loops" -> eventLoops = Integer.parseInt(value);
        case "--request-timeout" -> requestTimeout = duration(value);
        case "--out" -> out = Path.of(value);
        case "--records" -> recordsDir = Path.of(value);
        case "--command" -> command = value;
        default -> throw new IllegalArgumentException("unknown flag " + flag);
      }
    }
    for (String name : pids.keySet()) {
      requireKnown("--pids", name, entries);
    }
    for (String name : headers.keySet()) {
      requireKnown("--require-header", name, entries);
    }
    for (String name : descriptions.keySet()) {
      requireKnown("--describe", name, entries);
    }
    List<Scenario> scenarios = new ArrayList<>();
    entries.forEach((name, urls) -> scenarios.add(new Scenario(name, urls, pids.getOrDefault(name, List.of()),
        headers.get(name), descriptions.getOrDefault(name, name))));
    return new LoadOptions(scenarios, anchor, corral, sims, simPid, slots, firstToken, tokens, tps, serviceMs, loads,
        runs, prime, warmup, measure, fastLoad, fastMeasure, seed, margin, waitedMs, clockTicks, eventLoops,
        requestTimeout, jmx, out, recordsDir, command);
  }

  private static void requireKnown(String flag, String name, Map<String, ?> scenarios) {
    if (!scenarios.containsKey(name)) {
      throw new IllegalArgumentException(flag + " for unknown scenario " + name);
    }
  }

  private static void requireLoopback(String what, URI u) {
    if (!"http".equals(u.getScheme()) || u.getPort() < 1) {
      throw new IllegalArgumentException(what + " needs http://127.0.0.1:PORT URLs, got " + u);
    }
    if (!"127.0.0.1".equals(u.getHost()) && !"localhost".equals(u.getHost())) {
      throw new IllegalArgumentException(what + ": only loopback (127.0.0.1) is benchmarked, got " + u);
    }
  }
}
