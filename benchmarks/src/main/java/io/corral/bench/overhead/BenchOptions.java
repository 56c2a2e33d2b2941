package io.corral.bench.overhead;

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
 * What one benchmark run does, parsed from {@code --name value} flags and validated up front, so a typo fails
 * before minutes of load rather than after.
 *
 * @param targets          where the load goes, in the order given (each round rotates the order)
 * @param baseline         the target the others are compared against (added latency, throughput ratio)
 * @param processes        processes whose CPU and memory the report shows (the generator adds itself)
 * @param prime            load on every target at the highest concurrency before round 1, not recorded (JIT
 *                         warm-up of all the JVMs, so round 1 is not a cold-start outlier)
 * @param warmup           load before each measured window, not recorded
 * @param measure          the measured window of each phase
 * @param rounds           how often every (concurrency, target) phase is repeated
 * @param concurrency      closed-loop streams per phase, e.g. 1 (latency) and 32 (throughput)
 * @param tokens           NDJSON chunks each answer carries before its final {@code done} line
 * @param model            the model named in every request
 * @param clockTicks       {@code getconf CLK_TCK}, to turn {@code /proc} CPU ticks into seconds
 * @param eventLoops       the generator's Vert.x event loops
 * @param requestTimeout   idle timeout of one request; a stuck stream counts as an error
 * @param out              also write the Markdown report here (may be null)
 * @param inProcessBackend start a simulated backend inside the generator as target {@code direct} (a quick
 *                         check of the generator itself; its CPU is then the generator's)
 */
record BenchOptions(List<Target> targets, String baseline, List<WatchedProcess> processes, Duration prime,
    Duration warmup,
    Duration measure, int rounds, List<Integer> concurrency, int tokens, String model, int clockTicks,
    int eventLoops, Duration requestTimeout, Path out, boolean inProcessBackend) {

  /** A place to send load; {@code requiredHeader} (may be null) must be on every answer, proving the path. */
  record Target(String name, String host, int port, String requiredHeader) {
    Target {
      if (!"127.0.0.1".equals(host) && !"localhost".equals(host)) {
        throw new IllegalArgumentException("target " + name + ": only loopback (127.0.0.1) is benchmarked, got "
            + host);
      }
    }

    String url() {
      return "http://" + host + ":" + port;
    }
  }

  /** A process to watch under {@code /proc}. */
  record WatchedProcess(String name, long pid) {}

  static final String USAGE = """
      ProxyOverheadBench: closed-loop streaming load against several targets, interleaved, with a Markdown report.
        --target NAME=URL           a target (repeat; e.g. direct=http://127.0.0.1:11434)
        --baseline NAME             compared against (default: direct)
        --require-header NAME=HDR   every answer from target NAME must carry header HDR
        --pid NAME=PID              a process to watch (CPU, RSS); NAME matching a target ties it to that target
        --prime 10s  --warmup 5s  --measure 15s  --rounds 3  --concurrency 1,32  --tokens 8  --model llama3
        --clk-tck 100  --event-loops 1  --request-timeout 30s  --out FILE  --in-process-backend
      """;

  BenchOptions {
    targets = List.copyOf(targets);
    processes = List.copyOf(processes);
    concurrency = List.copyOf(concurrency);
    if (targets.isEmpty() && !inProcessBackend) {
      throw new IllegalArgumentException("no --target given (or --in-process-backend)");
    }
    if (prime.isNegative() || warmup.isNegative() || measure.toMillis() < 500) {
      throw new IllegalArgumentException("--measure must be at least 500ms, --prime and --warmup not negative");
    }
    if (rounds < 1 || tokens < 1 || clockTicks < 1 || eventLoops < 1) {
      throw new IllegalArgumentException("--rounds, --tokens, --clk-tck and --event-loops must be positive");
    }
    if (concurrency.isEmpty() || concurrency.stream().anyMatch(c -> c < 1 || c > 4096)) {
      throw new IllegalArgumentException("--concurrency must be a list of 1..4096");
    }
  }

  static BenchOptions parse(String[] args) {
    Map<String, String> urls = new LinkedHashMap<>();
    Map<String, String> headers = new LinkedHashMap<>();
    List<WatchedProcess> pids = new ArrayList<>();
    String baseline = "direct";
    Duration prime = Duration.ofSeconds(10);
    Duration warmup = Duration.ofSeconds(5);
    Duration measure = Duration.ofSeconds(15);
    int rounds = 3;
    List<Integer> concurrency = List.of(1, 32);
    int tokens = 8;
    String model = "llama3";
    int clockTicks = 100;
    int eventLoops = 1;
    Duration requestTimeout = Duration.ofSeconds(30);
    Path out = null;
    boolean inProcess = false;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--help") || flag.equals("-h")) {
        throw new IllegalArgumentException("");
      }
      if (flag.equals("--in-process-backend")) {
        inProcess = true;
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--target" -> {
          String[] kv = pair(flag, value);
          urls.put(kv[0], kv[1]);
        }
        case "--require-header" -> {
          String[] kv = pair(flag, value);
          headers.put(kv[0], kv[1]);
        }
        case "--pid" -> {
          String[] kv = pair(flag, value);
          pids.add(new WatchedProcess(kv[0], Long.parseLong(kv[1])));
        }
        case "--baseline" -> baseline = value;
        case "--prime" -> prime = duration(value);
        case "--warmup" -> warmup = duration(value);
        case "--measure" -> measure = duration(value);
        case "--rounds" -> rounds = Integer.parseInt(value);
        case "--concurrency" -> {
          List<Integer> cs = new ArrayList<>();
          for (String c : value.split(",")) {
            cs.add(Integer.parseInt(c.trim()));
          }
          concurrency = cs;
        }
        case "--tokens" -> tokens = Integer.parseInt(value);
        case "--model" -> model = value;
        case "--clk-tck" -> clockTicks = Integer.parseInt(value);
        case "--event-loops" -> eventLoops = Integer.parseInt(value);
        case "--request-timeout" -> requestTimeout = duration(value);
        case "--out" -> out = Path.of(value);
        default -> throw new IllegalArgumentException("unknown flag " + flag);
      }
    }
    List<Target> targets = new ArrayList<>();
    urls.forEach((name, url) -> {
      URI uri = URI.create(url);
      if (!"http".equals(uri.getScheme()) || uri.getPort() < 1) {
        throw new IllegalArgumentException("target " + name + " needs an http://host:port URL, got " + url);
      }
      targets.add(new Target(name, uri.getHost(), uri.getPort(), headers.get(name)));
    });
    for (String name : headers.keySet()) {
      if (!urls.containsKey(name)) {
        throw new IllegalArgumentException("--require-header for unknown target " + name);
      }
    }
    return new BenchOptions(targets, baseline, pids, prime, warmup, measure, rounds, concurrency, tokens,
        model, clockTicks, eventLoops, requestTimeout, out, inProcess);
  }

  BenchOptions withTargets(List<Target> newTargets) {
    return new BenchOptions(newTargets, baseline, processes, prime, warmup, measure, rounds, concurrency,
        tokens, model, clockTicks, eventLoops, requestTimeout, out, inProcessBackend);
  }

  /** How long the phases take, without process start-up. */
  Duration plannedDuration() {
    long phases = (long) rounds * concurrency.size() * targets.size();
    return warmup.plus(measure).multipliedBy(phases).plus(prime.multipliedBy(targets.size()));
  }
}
