package io.corral.bench.overhead;

import io.corral.bench.ProcStat;

import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Proxy overhead benchmark: the same closed-loop streaming load against a backend called directly, through a
 * corral member and through HAProxy, interleaved and repeated, then one Markdown report on stdout.
 *
 * <p>Run it with {@code scripts/bench-proxy-overhead} (which starts the backend, corral and HAProxy on loopback
 * and passes their URLs and pids). By hand:
 *
 * <pre>
 *   java -jar benchmarks/target/corral-benchmarks.jar --target direct=http://127.0.0.1:11434 \
 *       --target corral=http://127.0.0.1:8000 --require-header corral=X-Corral-Member --pid corral=1234 \
 *       --warmup 5s --measure 15s --rounds 3 --concurrency 1,32
 *   java -jar benchmarks/target/corral-benchmarks.jar --in-process-backend --measure 2s --rounds 1
 * </pre>
 *
 * Progress goes to stderr, the report to stdout (and to {@code --out}). Exit status 2 on bad flags.
 */
public final class ProxyOverheadBench {

  /** The name the generator's own process has in the report. */
  static final String GENERATOR = "generator";

  private ProxyOverheadBench() {}

  public static void main(String[] args) throws Exception {
    BenchOptions options;
    try {
      options = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().isEmpty()) {
        System.err.println("error: " + e.getMessage());
      }
      System.err.print(BenchOptions.USAGE);
      System.exit(2);
      return;
    }

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.eventLoops()));
    SimulatedBackend inProcess = null;
    try {
      if (options.inProcessBackend()) {
        inProcess = SimulatedBackend.start(vertx, SimBackendOptions.ollama(options.model()).withSlots(64)
                .withFirstTokenDelay(Duration.ZERO).withTokensPerSecond(0).withDefaultTokens(options.tokens()),
            "127.0.0.1", 0).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        List<BenchOptions.Target> targets = new ArrayList<>();
        targets.add(new BenchOptions.Target("direct", "127.0.0.1", inProcess.port(), null));
        targets.addAll(options.targets().stream().filter(t -> !t.name().equals("direct")).toList());
        options = options.withTargets(targets);
      }
      String report = run(vertx, options);
      System.out.print(report);
      System.out.flush();
      if (options.out() != null) {
        Files.writeString(options.out(), report, StandardCharsets.UTF_8);
      }
    } finally {
      if (inProcess != null) {
        inProcess.close();
      }
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static String run(Vertx vertx, BenchOptions options) throws InterruptedException {
    String startedAt = ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS)
        .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    String loadBefore = loadAverage();
    long began = System.nanoTime();
    Map<String, Long> ticksBefore = processTicks(options);
    progress(String.format(Locale.ROOT, "benchmark: %d phases, about %d s of load; targets %s",
        options.rounds() * options.concurrency().size() * options.targets().size(),
        options.plannedDuration().toSeconds(), options.targets().stream().map(t -> t.name() + "=" + t.url())
            .toList()));

    ClosedLoopLoad load = new ClosedLoopLoad(vertx, options);
    List<BenchOptions.Target> targets = options.targets();
    int highest = options.concurrency().stream().mapToInt(Integer::intValue).max().orElse(1);
    if (options.prime().toMillis() >= 1000) {
      for (BenchOptions.Target target : targets) {
        PhaseResult r = load.run(target, 0, highest, options.prime().minusMillis(500), Duration.ofMillis(500));
        progress(String.format(Locale.ROOT, "primed %-8s C=%d for %d s (not recorded): %.0f req/s, %d errors%s",
            target.name(), highest, options.prime().toSeconds(), r.requestsPerSecond(),
            r.errors() + r.warmupErrors(), r.firstError() == null ? "" : ", first: " + r.firstError()));
      }
    }
    List<PhaseResult> results = new ArrayList<>();
    for (int round = 1; round <= options.rounds(); round++) {
      // rotate the order each round so no target always runs first (after a pause) or last
      List<BenchOptions.Target> order = new ArrayList<>();
      for (int i = 0; i < targets.size(); i++) {
        order.add(targets.get((i + round - 1) % targets.size()));
      }
      for (int c : options.concurrency()) {
        for (BenchOptions.Target target : order) {
          PhaseResult r = load.run(target, round, c);
          results.add(r);
          progress(String.format(Locale.ROOT,
              "round %d C=%-3d %-8s %8.0f req/s  ttfb p50 %.3f p99 %.3f ms  total p50 %.3f p99 %.3f ms  errors %d%s",
              round, c, target.name(), r.requestsPerSecond(), r.ttfb().p50() / 1e6, r.ttfb().p99() / 1e6,
              r.total().p50() / 1e6, r.total().p99() / 1e6, r.errors(),
              r.firstError() == null ? "" : "  first error: " + r.firstError()));
        }
      }
    }

    Map<String, Long> ticksAfter = processTicks(options);
    List<OverheadReport.ProcessReport> processes = new ArrayList<>();
    for (BenchOptions.WatchedProcess p : watched(options)) {
      long after = ticksAfter.getOrDefault(p.name(), 0L);
      processes.add(new OverheadReport.ProcessReport(p.name(), p.pid(), ProcStat.statusKib(p.pid(), "VmRSS"),
          ProcStat.statusKib(p.pid(), "VmHWM"), after - ticksBefore.getOrDefault(p.name(), after), after,
          ProcStat.commandLine(p.pid())));
    }
    OverheadReport.RunInfo info = new OverheadReport.RunInfo(startedAt, (System.nanoTime() - began) / 1e9,
        Runtime.getRuntime().availableProcessors(), loadBefore, loadAverage(),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")");
    return OverheadReport.render(options, results, processes, info);
  }

  /** The watched processes plus the generator itself. */
  private static List<BenchOptions.WatchedProcess> watched(BenchOptions options) {
    List<BenchOptions.WatchedProcess> all = new ArrayList<>(options.processes());
    all.add(new BenchOptions.WatchedProcess(GENERATOR, ProcStat.selfPid()));
    return all;
  }

  private static Map<String, Long> processTicks(BenchOptions options) {
    Map<String, Long> ticks = new LinkedHashMap<>();
    for (BenchOptions.WatchedProcess p : watched(options)) {
      OptionalLong t = ProcStat.cpuTicks(p.pid());
      if (t.isPresent()) {
        ticks.put(p.name(), t.getAsLong());
      } else {
        progress("warning: process " + p.name() + " (pid " + p.pid() + ") is not readable under /proc");
      }
    }
    return ticks;
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  private static void progress(String message) {
    System.err.println(message);
    System.err.flush();
  }
}
