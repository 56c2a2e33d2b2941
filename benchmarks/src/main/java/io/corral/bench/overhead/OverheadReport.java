package io.corral.bench.overhead;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * Renders the phases of one run as Markdown: per-round tables (so drift on a shared machine shows as spread),
 * medians over rounds with their min-max range, latency added over the baseline, throughput ratios and the
 * processes' CPU and memory. Differences are taken per round (target minus baseline in the same round) and then
 * summarized, so slow drift between rounds cancels; note that a difference of p99s is not the p99 of the added
 * latency.
 */
final class OverheadReport {

  /** A watched process at the end of the run. */
  record ProcessReport(String name, long pid, OptionalLong rssKib, OptionalLong hwmKib, long runTicks,
      long lifetimeTicks, String commandLine) {}

  /** What the run looked like, for the header. */
  record RunInfo(String startedAt, double elapsedSeconds, int cores, String loadBefore, String loadAfter,
      String javaVersion) {}

  private final BenchOptions options;
  private final List<PhaseResult> results;
  private final List<ProcessReport> processes;
  private final RunInfo info;
  private final StringBuilder md = new StringBuilder();

  private OverheadReport(BenchOptions options, List<PhaseResult> results, List<ProcessReport> processes,
      RunInfo info) {
    this.options = options;
    this.results = results;
    this.processes = processes;
    this.info = info;
  }

  static String render(BenchOptions options, List<PhaseResult> results, List<ProcessReport> processes,
      RunInfo info) {
    return new OverheadReport(options, results, processes, info).render();
  }

  private String render() {
    line("### Run " + info.startedAt());
    line("");
    line(String.format(Locale.ROOT, "- %d rounds x concurrency %s x targets %s (order rotated each round), after "
            + "%s of unrecorded priming per target; warm-up %s + measured %s per phase; %d NDJSON chunks + final "
            + "line per answer; %.0f s in all.",
        options.rounds(), options.concurrency(), targetNames(), seconds(options.prime().toMillis()),
        seconds(options.warmup().toMillis()),
        seconds(options.measure().toMillis()), options.tokens(), info.elapsedSeconds()));
    line(String.format(Locale.ROOT, "- machine: %d cores visible to the JVM, load average before %s, after %s; "
        + "%s; generator: %d Vert.x event loop(s), HTTP/1.1 keep-alive, pool = concurrency.", info.cores(),
        info.loadBefore(), info.loadAfter(), info.javaVersion(), options.eventLoops()));
    line("- \"other load\" = cores busy with work outside the watched processes and the generator during the "
        + "window (the machine is shared); \"reads/answer\" = body buffers the generator received per answer (a "
        + "path that coalesces the chunks costs the client fewer reads).");
    line("");

    for (int c : options.concurrency()) {
      line("#### C=" + c + ": every round");
      line("");
      line("| round | target | req/s | TTFB p50 ms | TTFB p99 ms | total p50 ms | total p99 ms | reads/answer | errors "
          + "| other load (cores) |");
      line("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
      for (PhaseResult r : phases(c)) {
        line(String.format(Locale.ROOT, "| %d | %s | %.0f | %s | %s | %s | %s | %.1f | %s | %.2f |", r.round(),
            r.target(), r.requestsPerSecond(), ms(r.ttfb().p50()), ms(r.ttfb().p99()), ms(r.total().p50()),
            ms(r.total().p99()), r.readsPerAnswer(), errors(r), r.otherCores(options.clockTicks())));
      }
      line("");
    }

    for (int c : options.concurrency()) {
      line("#### C=" + c + ": median of rounds [min-max]");
      line("");
      line("| target | req/s | TTFB p50 ms | TTFB p99 ms | total p50 ms | total p99 ms |");
      line("|---|---:|---:|---:|---:|---:|");
      for (String t : targetNames()) {
        List<PhaseResult> rs = phases(c, t);
        line("| " + t + " | " + spread(rs, PhaseResult::requestsPerSecond, "%.0f") + " | "
            + spread(rs, r -> r.ttfb().p50() / 1e6, "%.3f") + " | " + spread(rs, r -> r.ttfb().p99() / 1e6, "%.3f")
            + " | " + spread(rs, r -> r.total().p50() / 1e6, "%.3f") + " | "
            + spread(rs, r -> r.total().p99() / 1e6, "%.3f") + " |");
      }
      line("");
    }

    if (targetNames().contains(options.baseline()) && targetNames().size() > 1) {
      line("#### Latency added over " + options.baseline() + " (ms; per-round difference, median [min-max])");
      line("");
      line("| target | C | TTFB p50 | TTFB p99 | total p50 | total p99 |");
      line("|---|---:|---:|---:|---:|---:|");
      for (String t : others()) {
        for (int c : options.concurrency()) {
          line("| " + t + " | " + c + " | " + added(c, t, r -> r.ttfb().p50()) + " | "
              + added(c, t, r -> r.ttfb().p99()) + " | " + added(c, t, r -> r.total().p50()) + " | "
              + added(c, t, r -> r.total().p99()) + " |");
        }
      }
      line("");
      int c = maxConcurrency();
      line("#### Throughput ratios at C=" + c + " (per round)");
      line("");
      StringBuilder head = new StringBuilder("| ratio |");
      StringBuilder rule = new StringBuilder("|---|");
      for (int round = 1; round <= options.rounds(); round++) {
        head.append(" round ").append(round).append(" |");
        rule.append("---:|");
      }
      line(head.append(" median |").toString());
      line(rule.append("---:|").toString());
      List<String> others = others();
      for (int i = 0; i < others.size(); i++) {
        for (int j = i + 1; j < others.size(); j++) {
          ratioRow(c, others.get(i), others.get(j));
        }
      }
      for (String t : others) {
        ratioRow(c, t, options.baseline());
      }
      line("");
    }

    line("#### Processes");
    line("");
    int c = maxConcurrency();
    line("| process | RSS after run MiB | peak RSS MiB | CPU s over the run | CPU s in its own measured windows | "
        + "CPU us/request, own target, C=" + c + " |");
    line("|---|---:|---:|---:|---:|---:|");
    for (ProcessReport p : processes) {
      List<PhaseResult> own = results.stream().filter(r -> r.target().equals(p.name())).toList();
      String ownSeconds = own.isEmpty() ? "-" : String.format(Locale.ROOT, "%.1f",
          own.stream().mapToLong(r -> r.cpuTicks().getOrDefault(p.name(), 0L)).sum()
              / (double) options.clockTicks());
      String perRequest = own.isEmpty() ? "-" : spread(phases(c, p.name()), r -> perRequestMicros(r, p.name()),
          "%.0f");
      line(String.format(Locale.ROOT, "| %s (pid %d) | %s | %s | %.1f | %s | %s |", p.name(), p.pid(),
          mib(p.rssKib()), mib(p.hwmKib()), p.runTicks() / (double) options.clockTicks(), ownSeconds, perRequest));
    }
    line("");
    line("CPU per request at C=" + c + " by process and target (us of CPU per completed request, median of rounds; "
        + "cores busy in brackets):");
    line("");
    StringBuilder head = new StringBuilder("| process |");
    StringBuilder rule = new StringBuilder("|---|");
    for (String t : targetNames()) {
      head.append(" via ").append(t).append(" |");
      rule.append("---:|");
    }
    line(head.toString());
    line(rule.toString());
    for (ProcessReport p : processes) {
      StringBuilder row = new StringBuilder("| " + p.name() + " |");
      for (String t : targetNames()) {
        List<PhaseResult> rs = phases(c, t);
        row.append(String.format(Locale.ROOT, " %.0f (%.2f) |", median(rs, r -> perRequestMicros(r, p.name())),
            median(rs, r -> r.cpuTicks().getOrDefault(p.name(), 0L) / (double) options.clockTicks() / r.seconds())));
      }
      line(row.toString());
    }
    line("");
    line("Command lines (JVM flags):");
    line("");
    for (ProcessReport p : processes) {
      line("- " + p.name() + ": `" + p.commandLine() + "`");
    }
    line("");
    List<PhaseResult> failing = results.stream().filter(r -> r.firstError() != null).toList();
    if (!failing.isEmpty()) {
      line("");
      line("Errors (first of each phase):");
      line("");
      for (PhaseResult r : failing) {
        line("- round " + r.round() + " C=" + r.concurrency() + " " + r.target() + ": `" + r.firstError() + "`");
      }
    }
    return md.toString();
  }

  private void ratioRow(int c, String numerator, String denominator) {
    StringBuilder row = new StringBuilder("| " + numerator + " / " + denominator + " |");
    List<Double> values = new ArrayList<>();
    for (int round = 1; round <= options.rounds(); round++) {
      double n = rps(c, numerator, round);
      double d = rps(c, denominator, round);
      double ratio = d > 0 ? n / d : Double.NaN;
      values.add(ratio);
      row.append(String.format(Locale.ROOT, " %.2f |", ratio));
    }
    row.append(String.format(Locale.ROOT, " %.2f |", medianOf(values)));
    line(row.toString());
  }

  private double rps(int c, String target, int round) {
    return results.stream().filter(r -> r.concurrency() == c && r.target().equals(target) && r.round() == round)
        .mapToDouble(PhaseResult::requestsPerSecond).findFirst().orElse(Double.NaN);
  }

  private String added(int c, String target, java.util.function.ToLongFunction<PhaseResult> metric) {
    List<Double> diffs = new ArrayList<>();
    for (int round = 1; round <= options.rounds(); round++) {
      PhaseResult t = phase(c, target, round);
      PhaseResult b = phase(c, options.baseline(), round);
      if (t != null && b != null && t.total().count() > 0 && b.total().count() > 0) {
        diffs.add((metric.applyAsLong(t) - metric.applyAsLong(b)) / 1e6);
      }
    }
    if (diffs.isEmpty()) {
      return "-";
    }
    return String.format(Locale.ROOT, "%+.3f [%+.3f..%+.3f]", medianOf(diffs), min(diffs), max(diffs));
  }

  private double perRequestMicros(PhaseResult r, String process) {
    long n = r.total().count();
    return n == 0 ? Double.NaN
        : r.cpuTicks().getOrDefault(process, 0L) * 1e6 / options.clockTicks() / n;
  }

  private String spread(List<PhaseResult> rs, ToDoubleFunction<PhaseResult> metric, String format) {
    List<Double> values = rs.stream().filter(r -> r.total().count() > 0).map(metric::applyAsDouble).toList();
    if (values.isEmpty()) {
      return "-";
    }
    String f = format;
    return String.format(Locale.ROOT, f + " [" + f + "-" + f + "]", medianOf(values), min(values), max(values));
  }

  private double median(List<PhaseResult> rs, ToDoubleFunction<PhaseResult> metric) {
    return medianOf(rs.stream().filter(r -> r.total().count() > 0).map(metric::applyAsDouble).toList());
  }

  private static double medianOf(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static double min(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  private static double max(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  private List<PhaseResult> phases(int c) {
    return results.stream().filter(r -> r.concurrency() == c)
        .sorted(Comparator.comparingInt(PhaseResult::round)
            .thenComparingInt(r -> targetNames().indexOf(r.target())))
        .toList();
  }

  private List<PhaseResult> phases(int c, String target) {
    return phases(c).stream().filter(r -> r.target().equals(target)).toList();
  }

  private PhaseResult phase(int c, String target, int round) {
    return results.stream().filter(r -> r.concurrency() == c && r.target().equals(target) && r.round() == round)
        .findFirst().orElse(null);
  }

  private List<String> targetNames() {
    return options.targets().stream().map(BenchOptions.Target::name).toList();
  }

  private List<String> others() {
    return targetNames().stream().filter(t -> !t.equals(options.baseline())).collect(Collectors.toList());
  }

  private int maxConcurrency() {
    return options.concurrency().stream().mapToInt(Integer::intValue).max().orElse(1);
  }

  private static String errors(PhaseResult r) {
    return r.warmupErrors() == 0 ? Long.toString(r.errors()) : r.errors() + " (+" + r.warmupErrors() + " warm-up)";
  }

  private static String ms(long nanos) {
    return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
  }

  private static String mib(OptionalLong kib) {
    return kib.isPresent() ? String.format(Locale.ROOT, "%.1f", kib.getAsLong() / 1024.0) : "-";
  }

  private static String seconds(long millis) {
    return millis % 1000 == 0 ? (millis / 1000) + " s" : String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
  }

  private void line(String s) {
    md.append(s).append('\n');
  }
}
