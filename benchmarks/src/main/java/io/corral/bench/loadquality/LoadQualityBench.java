package io.corral.bench.loadquality;

import io.corral.sim.SimStats;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Load-quality benchmark: the same seeded Poisson arrivals of streaming chat requests through several balancer
 * set-ups in front of one simulated fleet (one HAProxy, three independent HAProxies, three corral members),
 * interleaved and repeated, then one Markdown report: TTFT and total latency, the most requests any backend had at
 * once against its slots, how often later arrivals overtook earlier ones, errors and the balancers' CPU; plus
 * corral's fast path at low load (latency added over a direct call, Hazelcast invocations per request) and the
 * dispatch latency from a released slot to the next waiting request's first byte.
 *
 * <p>Run it with {@code scripts/bench-load-quality}, which starts the fleet, the balancers and the members on
 * loopback and passes their URLs and pids:
 *
 * <pre>
 *   scripts/bench-load-quality            # the full run of docs/benchmarks.md (about 19 min)
 *   scripts/bench-load-quality --quick    # one short run per pair (about 3 min)
 * </pre>
 *
 * Progress goes to stderr, the report to stdout (and to {@code --out}). Exit status 2 on bad flags.
 */
public final class LoadQualityBench {

  /** The fast path's direct target: the backends themselves. */
  static final String DIRECT = "direct";
  private static final Duration FAST_PATH_WARMUP = Duration.ofSeconds(3);
  private static final Duration IDLE_WAIT = Duration.ofSeconds(60);
  /** Hazelcast's default metrics collection period; JMX readings lag by up to this much. */
  private static final double METRICS_PERIOD_SECONDS = 5;

  private final LoadOptions options;
  private final OpenLoopClient client;
  private final SimControl sims;
  private final List<Long> watchedPids = new ArrayList<>();

  private LoadQualityBench(Vertx vertx, LoadOptions options) {
    this.options = options;
    this.client = new OpenLoopClient(vertx, options);
    this.sims = new SimControl(options.sims());
    Set<Long> all = new LinkedHashSet<>();
    options.scenarios().forEach(s -> all.addAll(s.pids()));
    if (options.simPid() > 0) {
      all.add(options.simPid());
    }
    all.add(ProcessCpu.selfPid());
    watchedPids.addAll(all);
  }

  public static void main(String[] args) throws Exception {
    LoadOptions options;
    try {
      options = LoadOptions.parse(args);
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().isEmpty()) {
        System.err.println("error: " + e.getMessage());
      }
      System.err.print(LoadOptions.USAGE);
      System.exit(2);
      return;
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(options.eventLoops()));
    try {
      String report = new LoadQualityBench(vertx, options).run();
      System.out.print(report);
      System.out.flush();
      if (options.out() != null) {
        Files.writeString(options.out(), report, StandardCharsets.UTF_8);
      }
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** CPU of the corral members over the measured runs, by thread group, and the rest of their process CPU. */
  record MemberCpu(Map<String, Double> byThreadGroup, double processSeconds) {}

  private String run() throws IOException, InterruptedException {
    MemberJmx jmx = null;
    String jmxNote = null;
    LoadOptions.Scenario corral = options.corral() == null ? null : options.scenario(options.corral());
    if (corral == null) {
      jmxNote = "no corral scenario";
    } else if (!options.jmx()) {
      jmxNote = "not measured (--no-jmx)";
    } else {
      try {
        jmx = MemberJmx.attach(corral.pids());
        HazelcastCounters.read(jmx); // fails now, not after the load, if the metrics are not there
      } catch (IOException e) {
        jmxNote = "not measured: " + e.getMessage();
        progress("warning: Hazelcast invocations " + jmxNote);
        if (jmx != null) {
          jmx.close();
          jmx = null;
        }
      }
    }
    try {
      return run(jmx, jmxNote, corral);
    } finally {
      if (jmx != null) {
        jmx.close();
      }
    }
  }

  private String run(MemberJmx jmx, String jmxNote, LoadOptions.Scenario corral)
      throws IOException, InterruptedException {
    String startedAt = ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS)
        .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    String loadBefore = ProcessCpu.loadAverage();
    long began = System.nanoTime();
    double capacity = options.capacityPerSecond();
    Map<Double, ArrivalSchedule> schedules = new LinkedHashMap<>();
    for (double load : options.loads()) {
      // one sequence per load (seeded by the load), replayed in every run at that load
      schedules.put(load, ArrivalSchedule.poisson(load * capacity, options.warmup(), options.measure(),
          options.seed() + Math.round(load * 1000)));
    }
    progress(String.format(Locale.ROOT, "capacity %.1f req/s (%d backends x %d slots / %.0f ms); loads %s; "
            + "%d runs of %d scenarios per load", capacity, options.sims().size(), options.slots(),
        options.serviceSeconds() * 1000, options.loads(), options.runs(), options.scenarios().size()));

    prime(schedules.get(options.loads().get(0)));
    FastPathResult fastPath = options.fastPathLoad() > 0 ? fastPath(capacity, jmx, jmxNote) : null;

    ThreadCpu.Snapshot threadsBefore = jmx == null ? null : ThreadCpu.read(jmx);
    long corralTicksBefore = corral == null ? 0 : ProcessCpu.ticks(corral.pids());
    List<RunResult> results = new ArrayList<>();
    List<LoadOptions.Scenario> scenarios = options.scenarios();
    for (int rep = 1; rep <= options.runs(); rep++) {
      for (int li = 0; li < options.loads().size(); li++) {
        double load = options.loads().get(li);
        // rotate so no scenario always runs first (after a pause) or right after the same neighbour
        int shift = (rep - 1 + li) % scenarios.size();
        for (int k = 0; k < scenarios.size(); k++) {
          LoadOptions.Scenario s = scenarios.get((k + shift) % scenarios.size());
          results.add(measuredRun(s.name(), s.entries(), s.pids(), s.requiredHeader(), load, rep,
              schedules.get(load)));
        }
      }
    }
    MemberCpu memberCpu = threadsBefore == null ? null : new MemberCpu(
        ThreadCpu.between(threadsBefore, ThreadCpu.read(jmx)),
        (ProcessCpu.ticks(corral.pids()) - corralTicksBefore) / (double) options.clockTicks());
    LoadQualityReport.RunInfo info = new LoadQualityReport.RunInfo(startedAt, (System.nanoTime() - began) / 1e9,
        Runtime.getRuntime().availableProcessors(), loadBefore, ProcessCpu.loadAverage(),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")", capacity, schedules);
    return LoadQualityReport.render(options, info, fastPath, results, memberCpu);
  }

  /** Unrecorded load through every scenario, so no JVM meets the first measured run cold. */
  private void prime(ArrivalSchedule atFirstLoad) throws IOException, InterruptedException {
    if (options.prime().toMillis() < 1000) {
      return;
    }
    ArrivalSchedule schedule = ArrivalSchedule.poisson(atFirstLoad.ratePerSecond(), Duration.ZERO, options.prime(),
        options.seed() - 1);
    for (LoadOptions.Scenario s : options.scenarios()) {
      sims.awaitIdle(IDLE_WAIT);
      OpenLoopClient.Run run = client.run(s.entries(), s.requiredHeader(), schedule);
      List<RequestRecord> failed = Arrays.stream(run.records()).filter(r -> !r.ok()).toList();
      progress(String.format(Locale.ROOT, "primed %-10s %d requests in %d s (not recorded), %d failed%s", s.name(),
          schedule.size(), options.prime().toSeconds(), failed.size(),
          failed.isEmpty() ? "" : ": " + failed.get(0).error()));
    }
  }

  private RunResult measuredRun(String name, List<URI> entries, List<Long> pids, String requiredHeader, double load,
      int rep, ArrivalSchedule schedule) throws IOException, InterruptedException {
    return measuredRunWithRecords(name, entries, pids, requiredHeader, load, rep, schedule).result();
  }

  private record Measured(RunResult result, OpenLoopClient.Run run) {}

  private Measured measuredRunWithRecords(String name, List<URI> entries, List<Long> pids, String requiredHeader,
      double load, int rep, ArrivalSchedule schedule) throws IOException, InterruptedException {
    if (!sims.awaitIdle(IDLE_WAIT)) {
      progress("warning: the backends were not idle within " + IDLE_WAIT.toSeconds() + " s before " + name);
    }
    sims.reset();
    String loadAverage = ProcessCpu.loadAverage();
    long bal0 = ProcessCpu.ticks(pids);
    long sim0 = options.simPid() > 0 ? ProcessCpu.ticks(options.simPid()) : 0;
    long gen0 = ProcessCpu.ticks(ProcessCpu.selfPid());
    long ours0 = ProcessCpu.ticks(watchedPids);
    long machine0 = ProcessCpu.machineBusyTicks();
    long t0 = System.nanoTime();

    OpenLoopClient.Run run = client.run(entries, requiredHeader, schedule);

    double seconds = (System.nanoTime() - t0) / 1e9;
    double tck = options.clockTicks();
    double bal = (ProcessCpu.ticks(pids) - bal0) / tck;
    double sim = options.simPid() > 0 ? (ProcessCpu.ticks(options.simPid()) - sim0) / tck : Double.NaN;
    double gen = (ProcessCpu.ticks(ProcessCpu.selfPid()) - gen0) / tck;
    long ours = ProcessCpu.ticks(watchedPids) - ours0;
    double other = Math.max(0, ProcessCpu.machineBusyTicks() - machine0 - ours) / tck / seconds;
    List<SimStats> backends = sims.stats();
    if (options.recordsDir() != null) {
      writeRecords(String.format(Locale.ROOT, "%s-load%02.0f-run%d.csv", name, load * 100, rep), run);
    }
    RunResult r = RunResult.analyze(new RunResult.Context(name, load, rep, loadAverage, backends, bal, sim, gen,
        other, seconds), schedule, run, Math.round(options.overtakeMarginMs() * 1e6), options.waitedMs());
    progress(String.format(Locale.ROOT,
        "load %.0f%% run %d %-10s n=%d ttft p50 %.1f p95 %.1f p99 %.1f ms total p99 %.1f ms max conc %d/%d "
            + "overtaken %.1f%% (>%.0fms %.1f%%) errors %d cpu %.1fs other %.2f cores loadavg %s%s",
        load * 100, rep, name, r.measured(), r.ttfb().p50Ms(), r.ttfb().p95Ms(), r.ttfb().p99Ms(),
        r.total().p99Ms(), r.maxConcurrent(), options.slots(), r.overtaken() * 100, options.overtakeMarginMs(),
        r.overtakenClearly() * 100, r.errors(), bal, other, loadAverage,
        r.firstError() == null ? "" : " first error: " + r.firstError()));
    return new Measured(r, run);
  }

  /**
   * Low load straight to the backends, through the anchor and through corral (same arrivals), with corral's
   * Hazelcast invocations counted around its run.
   */
  private FastPathResult fastPath(double capacity, MemberJmx jmx, String jmxNote)
      throws IOException, InterruptedException {
    ArrivalSchedule schedule = ArrivalSchedule.poisson(options.fastPathLoad() * capacity, FAST_PATH_WARMUP,
        options.fastPathMeasure(), options.seed() + 1);
    double load = options.fastPathLoad();
    RunResult direct = measuredRun(DIRECT, options.sims(), List.of(), null, load, 1, schedule);
    LoadOptions.Scenario anchorScenario = options.anchor() == null ? null : options.scenario(options.anchor());
    RunResult anchor = anchorScenario == null ? null : measuredRun(anchorScenario.name(), anchorScenario.entries(),
        anchorScenario.pids(), anchorScenario.requiredHeader(), load, 1, schedule);
    LoadOptions.Scenario corral = options.corral() == null ? null : options.scenario(options.corral());
    if (corral == null) {
      return new FastPathResult(direct, anchor, null, Map.of(), null, jmxNote);
    }

    FastPathResult.CallCount calls = null;
    HazelcastCounters.Reading idleFrom = null;
    HazelcastCounters.Reading idleTo = null;
    if (jmx != null) {
      // the background rate (reconciliation, probes, heartbeats) over an idle span as long as the run
      sims.awaitIdle(IDLE_WAIT);
      idleFrom = HazelcastCounters.read(jmx);
      Thread.sleep(FAST_PATH_WARMUP.plus(options.fastPathMeasure()).toMillis());
      idleTo = HazelcastCounters.read(jmx);
    }
    Measured measured = measuredRunWithRecords(corral.name(), corral.entries(), corral.pids(),
        corral.requiredHeader(), load, 1, schedule);
    if (jmx != null) {
      // one publication period (and a bit) so the readings include the whole run
      Thread.sleep(Math.round((METRICS_PERIOD_SECONDS + 1) * 1000));
      HazelcastCounters.Reading after = HazelcastCounters.read(jmx);
      double idleSeconds = idleTo.secondsSince(idleFrom);
      calls = new FastPathResult.CallCount(measured.run().records().length, after.invocationsSince(idleTo),
          idleTo.invocationsSince(idleFrom) / idleSeconds, after.secondsSince(idleTo),
          after.ledgerPuts() - idleTo.ledgerPuts(), (idleTo.ledgerPuts() - idleFrom.ledgerPuts()) / idleSeconds,
          METRICS_PERIOD_SECONDS);
      progress(String.format(Locale.ROOT, "fast path: %.2f Hazelcast invocations and %.2f ledger writes per "
          + "corral request (idle background %.2f/s subtracted)", calls.perRequest(),
          calls.ledgerWritesPerRequest(), calls.idlePerSecond()));
    }
    Map<String, Latency.Samples> byMember = new TreeMap<>();
    for (RequestRecord r : measured.run().records()) {
      if (r.ok() && schedule.measured(r.index()) && r.member() != null) {
        byMember.computeIfAbsent(r.member(), m -> new Latency.Samples()).add(r.ttfbNanos());
      }
    }
    Map<String, Latency.Summary> perMember = new TreeMap<>();
    byMember.forEach((m, s) -> perMember.put(m, s.summarize()));
    return new FastPathResult(direct, anchor, measured.result(), perMember, calls, jmxNote);
  }

  /** Every request of a run as CSV (times in ms from the run's start), for digging into one run by hand. */
  private void writeRecords(String fileName, OpenLoopClient.Run run) throws IOException {
    Files.createDirectories(options.recordsDir());
    StringBuilder csv = new StringBuilder("index,entry,scheduled_ms,sent_ms,first_byte_ms,end_ms,status,member,"
        + "backend,queue_ms,error\n");
    long t0 = run.startedAt();
    for (RequestRecord r : run.records()) {
      csv.append(String.format(Locale.ROOT, "%d,%d,%.3f,%.3f,%.3f,%.3f,%d,%s,%s,%d,%s%n", r.index(), r.entry(),
          (r.scheduledAt() - t0) / 1e6, (r.sentAt() - t0) / 1e6, r.firstByteAt() < 0 ? -1.0
              : (r.firstByteAt() - t0) / 1e6, (r.endedAt() - t0) / 1e6, r.status(), csvField(r.member()),
          csvField(r.backend()), r.queueMs(), csvField(r.error())));
    }
    Files.writeString(options.recordsDir().resolve(fileName), csv, StandardCharsets.UTF_8);
  }

  private static String csvField(String s) {
    return s == null ? "" : "\"" + s.replace("\"", "\"\"") + "\"";
  }

  private static void progress(String message) {
    System.err.println(message);
    System.err.flush();
  }
}
