package io.corral.bench.loadquality;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Renders a load-quality run as Markdown: a summary per load (median of the runs with their min-max range, since
 * the machine is shared), the TTFT ratios against the anchor paired by repetition, the targets, the fast path,
 * the dispatch latency and every run on its own line (with the load average before it and the CPU used by
 * everything else on the box during it).
 */
final class LoadQualityReport {

  /** What the run looked like, for the header. */
  record RunInfo(String startedAt, double elapsedSeconds, int cores, String loadBefore, String loadAfter,
      String javaVersion, double capacity, Map<Double, ArrivalSchedule> schedules) {}

  private final LoadOptions options;
  private final RunInfo info;
  private final FastPathResult fastPath;
  private final List<RunResult> results;
  private final LoadQualityBench.MemberCpu memberCpu;
  private final StringBuilder md = new StringBuilder();

  private LoadQualityReport(LoadOptions options, RunInfo info, FastPathResult fastPath, List<RunResult> results,
      LoadQualityBench.MemberCpu memberCpu) {
    this.options = options;
    this.info = info;
    this.fastPath = fastPath;
    this.results = results;
    this.memberCpu = memberCpu;
  }

  static String render(LoadOptions options, RunInfo info, FastPathResult fastPath, List<RunResult> results,
      LoadQualityBench.MemberCpu memberCpu) {
    return new LoadQualityReport(options, info, fastPath, results, memberCpu).render();
  }

  private String render() {
    header();
    for (double load : options.loads()) {
      summary(load);
    }
    ratios();
    targets();
    if (fastPath != null) {
      fastPath();
    }
    dispatch(options.loads().get(options.loads().size() - 1));
    if (memberCpu != null) {
      memberCpu();
    }
    everyRun();
    return md.toString();
  }

  private void header() {
    line("### Load quality run " + info.startedAt());
    line("");
    if (options.command() != null) {
      line("- command: `" + options.command() + "`");
    }
    String measuredService = "";
    if (fastPath != null && fastPath.direct().total().count() > 0) {
      measuredService = String.format(Locale.ROOT, " (measured straight to the backends at %.0f%% load: total "
              + "mean %.1f ms, TTFT p50 %.1f ms)", options.fastPathLoad() * 100, fastPath.direct().total().meanMs(),
          fastPath.direct().ttfb().p50Ms());
    }
    line(String.format(Locale.ROOT, "- fleet: %d simulated Ollama backends x %d slots, first token %d ms, %d tokens "
            + "at %.0f tokens/s: service time %.0f ms%s; capacity %d x %d / %.0f ms = %.1f req/s.",
        options.sims().size(), options.slots(), options.firstTokenMillis(), options.tokens(),
        options.tokensPerSecond(), options.serviceSeconds() * 1000, measuredService, options.sims().size(),
        options.slots(), options.serviceSeconds() * 1000, info.capacity()));
    StringBuilder loads = new StringBuilder();
    for (Map.Entry<Double, ArrivalSchedule> e : info.schedules().entrySet()) {
      ArrivalSchedule s = e.getValue();
      if (loads.length() > 0) {
        loads.append("; ");
      }
      loads.append(String.format(Locale.ROOT, "%.0f%% = %.1f req/s (%d arrivals measured after %d of warm-up)",
          e.getKey() * 100, s.ratePerSecond(), s.measuredCount(), s.size() - s.measuredCount()));
    }
    line("- arrivals: open loop, Poisson from seed " + options.seed() + " (+ 1000 x load), one sequence per load "
        + "replayed identically in every run; request i goes to entry point i % entries; " + loads + ".");
    line(String.format(Locale.ROOT, "- each run: %s of warm-up arrivals + %s of measured arrivals, every answer read "
            + "to its end (NDJSON, `stream: true`); %d runs per (load, scenario), scenario order rotated between "
            + "runs; %s of unrecorded priming per scenario first; %.0f s in all.",
        seconds(options.warmup()), seconds(options.measure()), options.runs(), seconds(options.prime()),
        info.elapsedSeconds()));
    line("- scenarios:");
    for (LoadOptions.Scenario s : options.scenarios()) {
      line("  - **" + s.name() + "**: " + s.description() + " (" + s.entries().size() + " entry point(s), "
          + s.pids().size() + " balancer process(es))");
    }
    line(String.format(Locale.ROOT, "- machine: %d cores visible, shared by the generator, the backends and every "
            + "balancer (all balancers stay up, idle when not measured); load average before %s, after %s; %s.",
        info.cores(), info.loadBefore(), info.loadAfter(), info.javaVersion()));
    line("- TTFT = request sent to the first body bytes; total = to the end of the answer. \"max conc/slots\" = the "
        + "most requests present at one backend at once (running + waiting inside it, `maxConcurrent` of "
        + "`/_sim/stats`) over its slots, warm-up included; 1.00 means never over-subscribed. \"overtaken\" = "
        + "share of requests that some later arrival beat to its first byte (\">" + fmt(options.overtakeMarginMs(),
        "%.0f") + " ms\": beaten by at least that much). \"queue hdr\" = the balancer's own queue-time header "
        + "(`X-Corral-Queue-Ms`: arrival to lease, so it includes the acquire round trip even when a slot is free; "
        + "HAProxy's `%Tw` sent as `X-Bench-Queue-Ms`: time in its queue; the three independent HAProxies rarely "
        + "queue, the backends queue behind them). CPU = user + system time of the scenario's balancer "
        + "processes over the whole run (warm-up and drain included), also per request of the run.");
    line("");
  }

  private void summary(double load) {
    line(String.format(Locale.ROOT, "#### Load %.0f%% (%.1f req/s): median [min-max] over %d runs", load * 100,
        load * info.capacity(), options.runs()));
    line("");
    line("| scenario | TTFT p50 ms | TTFT p95 ms | TTFT p99 ms | total p99 ms | max conc/slots | overtaken % | "
        + "overtaken >" + fmt(options.overtakeMarginMs(), "%.0f") + " ms % | queue hdr p50 / p95 ms | errors | "
        + "balancer CPU s | CPU ms/req |");
    line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (LoadOptions.Scenario s : options.scenarios()) {
      List<RunResult> rs = runs(load, s.name());
      if (rs.isEmpty()) {
        continue;
      }
      int errors = rs.stream().mapToInt(RunResult::errors).sum();
      int warmupErrors = rs.stream().mapToInt(RunResult::warmupErrors).sum();
      line("| " + s.name() + " | " + spread(rs, r -> r.ttfb().p50Ms(), "%.1f") + " | "
          + spread(rs, r -> r.ttfb().p95Ms(), "%.1f") + " | " + spread(rs, r -> r.ttfb().p99Ms(), "%.1f") + " | "
          + spread(rs, r -> r.total().p99Ms(), "%.1f") + " | "
          + spread(rs, r -> r.oversubscription(options.slots()), "%.2f") + " | "
          + spread(rs, r -> r.overtaken() * 100, "%.1f") + " | " + spread(rs, r -> r.overtakenClearly() * 100, "%.1f")
          + " | " + queueHeader(rs) + " | " + errors
          + (warmupErrors > 0 ? " (+" + warmupErrors + " in warm-up)" : "") + " | "
          + spread(rs, RunResult::balancerCpuSeconds, "%.1f") + " | "
          + spread(rs, RunResult::balancerCpuMsPerRequest, "%.2f") + " |");
    }
    line("");
  }

  private void ratios() {
    if (options.anchor() == null) {
      return;
    }
    line("#### TTFT against " + options.anchor() + " (ratio of the two runs of the same repetition)");
    line("");
    StringBuilder head = new StringBuilder("| load | ratio |");
    StringBuilder rule = new StringBuilder("|---|---|");
    for (int rep = 1; rep <= options.runs(); rep++) {
      head.append(" run ").append(rep).append(" |");
      rule.append("---:|");
    }
    line(head.append(" median [min-max] |").toString());
    line(rule.append("---:|").toString());
    for (double load : options.loads()) {
      for (LoadOptions.Scenario s : options.scenarios()) {
        if (s.name().equals(options.anchor())) {
          continue;
        }
        ratioRow(load, s.name(), "p95", r -> r.ttfb().p95Ms());
        ratioRow(load, s.name(), "p99", r -> r.ttfb().p99Ms());
      }
    }
    line("");
  }

  private void ratioRow(double load, String scenario, String label, ToDoubleFunction<RunResult> value) {
    StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %.0f%% | %s TTFT %s / %s |", load * 100,
        scenario, label, options.anchor()));
    List<Double> ratios = pairedRatios(load, scenario, value);
    for (Double r : ratios) {
      row.append(' ').append(Double.isNaN(r) ? "-" : fmt(r, "%.3f")).append(" |");
    }
    row.append(' ').append(spread(ratios, d -> d, "%.3f")).append(" |");
    line(row.toString());
  }

  private List<Double> pairedRatios(double load, String scenario, ToDoubleFunction<RunResult> value) {
    List<Double> out = new ArrayList<>();
    for (int rep = 1; rep <= options.runs(); rep++) {
      RunResult a = run(load, options.anchor(), rep);
      RunResult b = run(load, scenario, rep);
      out.add(a == null || b == null ? Double.NaN : value.applyAsDouble(b) / value.applyAsDouble(a));
    }
    return out;
  }

  private void targets() {
    if (options.corral() == null) {
      return;
    }
    line("#### Targets (corral)");
    line("");
    if (options.anchor() != null) {
      for (double load : options.loads()) {
        Latency.Spread p95 = Latency.spread(pairedRatios(load, options.corral(), r -> r.ttfb().p95Ms()), d -> d);
        Latency.Spread p99 = Latency.spread(pairedRatios(load, options.corral(), r -> r.ttfb().p99Ms()), d -> d);
        line(String.format(Locale.ROOT, "- load %.0f%%: TTFT p95 ratio median %.3f (worst run %.3f), p99 ratio median "
                + "%.3f (worst run %.3f); target <= 1.05: %s", load * 100, p95.median(), p95.max(), p99.median(),
            p99.max(), p95.median() <= 1.05 && p99.median() <= 1.05
                ? (p95.max() <= 1.05 && p99.max() <= 1.05 ? "met in every run" : "met by the median, not in every run")
                : "not met"));
      }
    }
    List<RunResult> corral = results.stream().filter(r -> r.scenario().equals(options.corral())).toList();
    int worst = corral.stream().mapToInt(RunResult::maxConcurrent).max().orElse(0);
    line(String.format(Locale.ROOT, "- max over-subscription over all corral runs: %.2f (target exactly 1.00): %s",
        worst / (double) options.slots(), worst == options.slots() ? "met" : worst < options.slots()
            ? "below 1.00 (the slots were never all used at once)" : "NOT met"));
    int errors = corral.stream().mapToInt(r -> r.errors() + r.warmupErrors()).sum();
    line("- errors over all corral runs (warm-up included): " + errors + " (target 0): " + (errors == 0 ? "met"
        : "NOT met; first: " + corral.stream().map(RunResult::firstError).filter(e -> e != null).findFirst()
            .orElse("?")));
    if (fastPath != null && fastPath.calls() != null) {
      FastPathResult.CallCount c = fastPath.calls();
      line(String.format(Locale.ROOT, "- fast path: %.2f +- %.2f Hazelcast invocations per request (target <= 2): %s",
          c.perRequest(), c.uncertaintyPerRequest(), c.perRequest() - c.uncertaintyPerRequest() <= 2.0
              ? "met" : "NOT met"));
    }
    line("");
  }

  private void fastPath() {
    FastPathResult f = fastPath;
    line(String.format(Locale.ROOT, "#### Fast path at %.0f%% load (%.1f req/s, free slots almost always)",
        options.fastPathLoad() * 100, options.fastPathLoad() * info.capacity()));
    line("");
    line("| target | n | TTFT p50 ms | TTFT p99 ms | total p50 ms | total p99 ms | added TTFT p50 ms | "
        + "added TTFT p99 ms | queue hdr p50 / p99 ms | errors | balancer CPU ms/req |");
    line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    RunResult d = f.direct();
    fastRow(LoadQualityBench.DIRECT + " (backends)", d, d);
    if (f.anchor() != null) {
      fastRow(f.anchor().scenario(), f.anchor(), d);
    }
    if (f.corral() != null) {
      fastRow(f.corral().scenario(), f.corral(), d);
      for (Map.Entry<String, Latency.Summary> e : f.corralTtfbByMember().entrySet()) {
        Latency.Summary s = e.getValue();
        line(String.format(Locale.ROOT, "| &nbsp;&nbsp;via %s | %d | %.2f | %.2f | | | %+.2f | %+.2f | | | |",
            e.getKey(), s.count(), s.p50Ms(), s.p99Ms(), s.p50Ms() - d.ttfb().p50Ms(), s.p99Ms() - d.ttfb().p99Ms()));
      }
    }
    line("");
    line("Added = the target's percentile minus the direct run's (same arrivals); a difference of p99s is not the "
        + "p99 of the added latency, and at this load the p99 rests on few samples.");
    if (f.calls() != null) {
      FastPathResult.CallCount c = f.calls();
      line(String.format(Locale.ROOT, "Cluster calls, measured: Hazelcast's own counters read over JMX from the "
              + "members (`operation.invocations.lastCallId`, each member's invocation sequence; "
              + "`map[corral.ledger].putCount`, ledger entry processors that changed the entry): %d corral requests "
              + "(warm-up included) in %.1f s made %d invocations; the idle background measured just before "
              + "(%.2f/s: reconciliation every 2 s per member, probes) subtracted gives **%.2f +- %.2f invocations "
              + "per request**, of which %.2f ledger writes per request. Readings can lag by one %.0f s metrics "
              + "period, hence the +-.", c.requests(), c.spanSeconds(), c.invocations(), c.idlePerSecond(),
          c.perRequest(), c.uncertaintyPerRequest(), c.ledgerWritesPerRequest(), c.publishSeconds()));
    } else {
      line("Cluster calls: " + f.callsNote() + ". By design a request with a free slot costs 2 entry processors on "
          + "the ledger key (acquire, release).");
    }
    line("");
  }

  private void fastRow(String name, RunResult r, RunResult direct) {
    line(String.format(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f | %.2f | %s | %s | %s | %d | %s |", name,
        r.ttfb().count(), r.ttfb().p50Ms(), r.ttfb().p99Ms(), r.total().p50Ms(), r.total().p99Ms(),
        r == direct ? "" : fmt(r.ttfb().p50Ms() - direct.ttfb().p50Ms(), "%+.2f"),
        r == direct ? "" : fmt(r.ttfb().p99Ms() - direct.ttfb().p99Ms(), "%+.2f"),
        r.queueHeader().count() == 0 ? "" : fmt(r.queueHeader().p50Ms(), "%.0f") + " / "
            + fmt(r.queueHeader().p99Ms(), "%.0f"), r.errors() + r.warmupErrors(),
        r == direct ? "" : fmt(r.balancerCpuMsPerRequest(), "%.2f")));
  }

  private void dispatch(double load) {
    line(String.format(Locale.ROOT, "#### Dispatch at %.0f%% load: from a freed slot to the next waiting request",
        load * 100));
    line("");
    double base = fastPath == null ? Double.NaN : fastPath.direct().ttfb().p50Ms();
    line("| scenario | run | waited (queue hdr >= " + options.waitedMs() + " ms) | queue exit -> first byte p50 / "
        + "p95 / p99 ms | matched | release -> first byte p50 / p95 / p99 ms | same minus backend TTFT p50 / p95 / "
        + "p99 ms |");
    line("|---|---:|---:|---:|---:|---:|---:|");
    for (LoadOptions.Scenario s : options.scenarios()) {
      for (RunResult r : runs(load, s.name())) {
        DispatchEstimate e = r.dispatch();
        if (e.waited() == 0) {
          continue;
        }
        Latency.Summary x = e.queueExitToFirstByte();
        Latency.Summary g = e.releaseToFirstByte();
        line(String.format(Locale.ROOT, "| %s | %d | %d | %.1f / %.1f / %.1f | %d (+%d unmatched) | "
                + "%.1f / %.1f / %.1f | %s |", s.name(), r.repetition(), e.waited(), x.p50Ms(), x.p95Ms(), x.p99Ms(),
            e.matched(), e.unmatched(), g.p50Ms(), g.p95Ms(), g.p99Ms(), Double.isNaN(base) ? "-" : String.format(
                Locale.ROOT, "%.1f / %.1f / %.1f", g.p50Ms() - base, g.p95Ms() - base, g.p99Ms() - base)));
      }
    }
    line("");
    line(String.format(Locale.ROOT, "\"queue exit -> first byte\" = TTFT minus the balancer's reported queue time "
        + "(the grant to the first byte, including the backend's own first-token time). \"release -> first "
        + "byte\" = the waiting request's first byte minus the end, as the client saw it, of the request whose "
        + "slot it got (same backend, ended after the waiting request was sent and by its grant, which the queue "
        + "header dates to the millisecond; \"unmatched\" = no such end, usually a slow acquire rather than a "
        + "wait). \"minus backend TTFT\" subtracts the direct TTFT p50 at low load (%s ms), leaving the "
        + "balancer's own dispatch time (release, grant, notice to the waiting request's member, forwarding).",
        Double.isNaN(base) ? "not measured" : fmt(base, "%.2f")));
    line("");
  }

  private void memberCpu() {
    double threads = memberCpu.byThreadGroup().values().stream().mapToDouble(Double::doubleValue).sum();
    double process = memberCpu.processSeconds();
    line(String.format(Locale.ROOT, "#### Where the corral members' CPU went (all measured runs, %.1f s in all)",
        process));
    line("");
    line("| thread group (3 members summed) | CPU s | share |");
    line("|---|---:|---:|");
    int shown = 0;
    double rest = 0;
    for (Map.Entry<String, Double> e : memberCpu.byThreadGroup().entrySet()) {
      if (shown < 12) {
        line(String.format(Locale.ROOT, "| `%s` | %.1f | %.0f%% |", e.getKey(), e.getValue(),
            100 * e.getValue() / process));
        shown++;
      } else {
        rest += e.getValue();
      }
    }
    line(String.format(Locale.ROOT, "| other Java threads | %.1f | %.0f%% |", rest, 100 * rest / process));
    line(String.format(Locale.ROOT, "| JVM-internal (GC, JIT compilers; process CPU minus Java threads) | %.1f | "
        + "%.0f%% |", process - threads, 100 * (process - threads) / process));
    line("");
    line("Per-thread CPU from each member's `ThreadMXBean` over the same JMX connection; the measured runs "
        + "include the HAProxy runs, during which the members idle.");
    line("");
  }

  private void everyRun() {
    line("#### Every run");
    line("");
    line("| load | run | scenario | load avg before | n | TTFT p50 | p95 | p99 | max | total p99 | "
        + "max conc (running) | overtaken % | >" + fmt(options.overtakeMarginMs(), "%.0f") + " ms % | queue hdr p50 / p95 ms | errors | "
        + "balancer CPU s | backends CPU s | generator CPU s | other cores | send lag p99 / max ms |");
    line("|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (double load : options.loads()) {
      for (RunResult r : results) {
        if (r.load() != load) {
          continue;
        }
        line(String.format(Locale.ROOT, "| %.0f%% | %d | %s | %s | %d | %.1f | %.1f | %.1f | %.0f | %.1f | %d (%d) | "
                + "%.1f | %.1f | %s | %s | %.1f | %.1f | %.1f | %.2f | %.1f / %.1f |", load * 100, r.repetition(),
            r.scenario(), r.loadAverage(), r.measured(), r.ttfb().p50Ms(), r.ttfb().p95Ms(), r.ttfb().p99Ms(),
            r.ttfb().maxMs(), r.total().p99Ms(), r.maxConcurrent(), r.maxProcessing(), r.overtaken() * 100,
            r.overtakenClearly() * 100, r.queueHeader().count() == 0 ? "-" : fmt(r.queueHeader().p50Ms(), "%.0f")
                + " / " + fmt(r.queueHeader().p95Ms(), "%.0f"),
            r.errors() + (r.warmupErrors() > 0 ? " (+" + r.warmupErrors() + ")" : ""), r.balancerCpuSeconds(),
            r.simCpuSeconds(), r.generatorCpuSeconds(), r.otherCores(), r.sendLag().p99Ms(), r.sendLag().maxMs()));
      }
    }
    line("");
    List<String> problems = new ArrayList<>();
    for (RunResult r : results) {
      if (r.firstError() != null) {
        problems.add(String.format(Locale.ROOT, "%.0f%% run %d %s: %s", r.load() * 100, r.repetition(), r.scenario(),
            r.firstError()));
      }
    }
    if (!problems.isEmpty()) {
      line("First error of each run that had one:");
      line("");
      problems.forEach(p -> line("- " + p));
      line("");
    }
  }

  /** Medians over runs of the queue header's p50 and p95, or "-" when the balancer sends none. */
  private static String queueHeader(List<RunResult> rs) {
    List<RunResult> known = rs.stream().filter(r -> r.queueHeader().count() > 0).toList();
    if (known.isEmpty()) {
      return "-";
    }
    return fmt(Latency.spread(known, r -> r.queueHeader().p50Ms()).median(), "%.0f") + " / "
        + fmt(Latency.spread(known, r -> r.queueHeader().p95Ms()).median(), "%.0f");
  }

  private List<RunResult> runs(double load, String scenario) {
    return results.stream().filter(r -> r.load() == load && r.scenario().equals(scenario)).toList();
  }

  private RunResult run(double load, String scenario, int rep) {
    return results.stream().filter(r -> r.load() == load && r.scenario().equals(scenario) && r.repetition() == rep)
        .findFirst().orElse(null);
  }

  private static <T> String spread(List<T> items, ToDoubleFunction<T> value, String format) {
    Latency.Spread s = Latency.spread(items, value);
    if (s.n() == 0) {
      return "-";
    }
    if (s.n() == 1) {
      return fmt(s.median(), format);
    }
    return fmt(s.median(), format) + " [" + fmt(s.min(), format) + "-" + fmt(s.max(), format) + "]";
  }

  /** {@code 40 s}, {@code 2.5 s}: durations as people write them, not ISO-8601. */
  private static String seconds(java.time.Duration d) {
    double s = d.toMillis() / 1000.0;
    return (s == Math.rint(s) ? fmt(s, "%.0f") : fmt(s, "%.1f")) + " s";
  }

  private static String fmt(double v, String format) {
    return String.format(Locale.ROOT, format, v);
  }

  private void line(String s) {
    md.append(s).append('\n');
  }
}
