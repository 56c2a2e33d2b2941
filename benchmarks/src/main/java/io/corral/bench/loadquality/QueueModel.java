package io.corral.bench.loadquality;

import java.util.Arrays;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A queueing model of the load-quality benchmark, to answer "how small must corral's overheads be for its TTFT
 * p95/p99 to stay within 1.05x of one HAProxy?" without a 19-minute run per guess.
 *
 * <p>The model is the benchmark's fleet as one perfect FIFO queue in front of {@code slots} servers (4 backends x
 * 2 slots), fed by Poisson arrivals, with two overheads a balancer adds:
 * <ul>
 *   <li><b>fast path</b> {@code f}: time from arrival until the balancer has a decision (a slot or a place in the
 *       queue), paid by every request; gamma-distributed (shape 2), which matches the shape of corral's measured
 *       added TTFT at 10% load (p99 about 3x the p50);</li>
 *   <li><b>dispatch</b> {@code d}: for a request that waited, time from the slot's release until the backend has
 *       the request. The slot idles for that long, so it is lost capacity. Log-normal, given as its median and mean
 *       (the dispatch trace of docs/benchmarks.md has a median well under its mean: rare long hand-offs).</li>
 * </ul>
 * A request's TTFT is its fast path or wait, plus its dispatch if it waited, plus the backend's first-token time.
 * The ideal (one HAProxy) gets its own small overheads. Both see the same arrivals and service times (common
 * random numbers), so the ratio's noise is small.
 *
 * <p>Run: {@code java -cp benchmarks/target/corral-benchmarks.jar io.corral.bench.loadquality.QueueModel}.
 */
public final class QueueModel {

  /** What one balancer adds, in milliseconds. */
  record Overheads(String name, double fastPathMean, double dispatchMedian, double dispatchMean) {
    Overheads {
      if (dispatchMean > 0 && dispatchMedian > dispatchMean) {
        throw new IllegalArgumentException("a log-normal's median cannot exceed its mean");
      }
    }
  }

  /** The fleet and the traffic: the benchmark's defaults. */
  record Fleet(int slots, double serviceMillis, double serviceJitterMillis, double firstTokenMillis,
      double capacityPerSecond) {}

  static final Fleet BENCH_FLEET = new Fleet(8, 96.6, 1.5, 21.0, 80.0);

  /** TTFT percentiles of one simulated run, in milliseconds. */
  record Percentiles(double p50, double p95, double p99) {}

  private final Fleet fleet;
  private final int requests;
  private final long seed;

  QueueModel(Fleet fleet, int requests, long seed) {
    this.fleet = fleet;
    this.requests = requests;
    this.seed = seed;
  }

  Percentiles run(double load, Overheads o) {
    // two streams: the traffic (identical for every balancer) and the overheads
    SplittableRandom traffic = new SplittableRandom(seed);
    SplittableRandom overheads = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
    double perMilli = load * fleet.capacityPerSecond() / 1000.0;
    PriorityQueue<Double> freeAt = new PriorityQueue<>();
    for (int i = 0; i < fleet.slots(); i++) {
      freeAt.add(0.0);
    }
    double[] ttft = new double[requests];
    double t = 0;
    for (int i = 0; i < requests; i++) {
      t += -Math.log(1 - traffic.nextDouble()) / perMilli;
      double service = fleet.serviceMillis() + gaussian(traffic) * fleet.serviceJitterMillis();
      double decided = t + gamma2(overheads, o.fastPathMean());
      double slotFree = freeAt.poll();
      double start = slotFree <= decided ? decided : slotFree + logNormal(overheads, o.dispatchMedian(),
          o.dispatchMean());
      freeAt.add(start + service);
      ttft[i] = start + fleet.firstTokenMillis() - t;
    }
    Arrays.sort(ttft);
    return new Percentiles(ttft[requests / 2], ttft[(int) (requests * 0.95)], ttft[(int) (requests * 0.99)]);
  }

  private static double gaussian(SplittableRandom r) {
    // Box-Muller; SplittableRandom has no nextGaussian on Java 17
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  /** Gamma with shape 2 and the given mean: the sum of two exponentials. */
  private static double gamma2(SplittableRandom r, double mean) {
    if (mean <= 0) {
      return 0;
    }
    double scale = mean / 2;
    return -scale * (Math.log(1 - r.nextDouble()) + Math.log(1 - r.nextDouble()));
  }

  private static double logNormal(SplittableRandom r, double median, double mean) {
    if (mean <= 0) {
      return 0;
    }
    double sigma = Math.sqrt(2 * Math.log(mean / median));
    return median * Math.exp(sigma * gaussian(r));
  }

  public static void main(String[] args) {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 400_000;
    QueueModel model = new QueueModel(BENCH_FLEET, requests, 20240521L);
    // HAProxy's own overheads, measured in the 09:41 run: +0.3-0.4 ms TTFT at 10% load, dispatch -0.6..0.5 ms
    // relative to the direct first-token time at p50/p95 (within the measurement's 1 ms resolution: ~0.1 ms)
    Overheads ideal = new Overheads("haproxy-1 (measured: fast path +0.35 ms, dispatch ~0.1 ms)", 0.35, 0.08, 0.1);
    Overheads[] rows = {
        new Overheads("corral as measured 09:41 (fast path +3.2 ms p50; dispatch median 1.1, mean 1.8)", 3.6, 1.1,
            1.8),
        new Overheads("corral, dispatch only as measured (fast path like HAProxy)", 0.35, 1.1, 1.8),
        new Overheads("corral, fast path only as measured (dispatch like HAProxy)", 3.6, 0.08, 0.1),
        new Overheads("fast path 1.5, dispatch 0.5 / 0.8", 1.5, 0.5, 0.8),
        new Overheads("fast path 1.0, dispatch 0.3 / 0.5 (one LAN hop each way)", 1.0, 0.3, 0.5),
        new Overheads("fast path 1.0, dispatch 0.15 / 0.25", 1.0, 0.15, 0.25),
        new Overheads("fast path 0.6, dispatch 0.1 / 0.15 (in-process dispatch)", 0.6, 0.1, 0.15),
    };
    for (double load : new double[] {0.7, 0.9}) {
      Percentiles base = model.run(load, ideal);
      System.out.printf(Locale.ROOT, "%n#### Load %.0f%%: ideal TTFT p50 / p95 / p99 = %.1f / %.1f / %.1f ms (%s)%n%n",
          load * 100, base.p50(), base.p95(), base.p99(), ideal.name());
      System.out.println("| balancer overheads (ms) | TTFT p95 / ideal | TTFT p99 / ideal |");
      System.out.println("|---|---:|---:|");
      for (Overheads o : rows) {
        Percentiles p = model.run(load, o);
        System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f |%n", o.name(), p.p95() / base.p95(),
            p.p99() / base.p99());
      }
    }
    budgetMap(model, ideal);
    longerAnswers(requests, ideal, rows[0]);
  }

  /** The same overheads in front of slower answers: real models take seconds, not 100 ms. */
  private static void longerAnswers(int requests, Overheads ideal, Overheads corral) {
    System.out.println();
    System.out.println("#### corral as measured, for longer answers (scaled like the benchmark's fleet: load relative to"
        + " the nominal time, measured answers 3.4% shorter, first token at 21% of the nominal time)");
    System.out.println();
    System.out.println("| nominal answer time | 70% p95 | 70% p99 | 90% p95 | 90% p99 |");
    System.out.println("|---|---:|---:|---:|---:|");
    for (double nominal : new double[] {100, 250, 500, 1000, 3000}) {
      double scale = nominal / 100;
      Fleet fleet = new Fleet(BENCH_FLEET.slots(), BENCH_FLEET.serviceMillis() * scale,
          BENCH_FLEET.serviceJitterMillis() * scale, BENCH_FLEET.firstTokenMillis() * scale,
          BENCH_FLEET.capacityPerSecond() / scale);
      QueueModel model = new QueueModel(fleet, requests, 20240521L);
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %.0f ms |", nominal));
      for (double load : new double[] {0.7, 0.9}) {
        Percentiles base = model.run(load, ideal);
        Percentiles p = model.run(load, corral);
        row.append(String.format(Locale.ROOT, " %.3f | %.3f |", p.p95() / base.p95(), p.p99() / base.p99()));
      }
      System.out.println(row);
    }
  }

  /**
   * The worst of the four ratios (p95 and p99 at 70% and 90%) for a grid of fast-path and dispatch means; the
   * dispatch median is taken as 0.6x its mean, the shape of the measured trace.
   */
  private static void budgetMap(QueueModel model, Overheads ideal) {
    double[] fastPaths = {0.35, 0.6, 1.0, 1.5, 2.0, 3.6};
    double[] dispatches = {0.1, 0.25, 0.5, 0.75, 1.0, 1.8};
    double[] loads = {0.7, 0.9};
    Percentiles[] bases = new Percentiles[loads.length];
    for (int i = 0; i < loads.length; i++) {
      bases[i] = model.run(loads[i], ideal);
    }
    System.out.println();
    System.out.println("#### Worst of TTFT p95 and p99 over ideal, at 70% and 90% load");
    System.out.println();
    StringBuilder head = new StringBuilder("| fast path mean \\ dispatch mean (ms) |");
    StringBuilder rule = new StringBuilder("|---|");
    for (double d : dispatches) {
      head.append(String.format(Locale.ROOT, " %.2f |", d));
      rule.append("---:|");
    }
    System.out.println(head);
    System.out.println(rule);
    for (double f : fastPaths) {
      StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %.2f |", f));
      for (double d : dispatches) {
        double worst = 0;
        for (int i = 0; i < loads.length; i++) {
          Percentiles p = model.run(loads[i], new Overheads("", f, 0.6 * d, d));
          worst = Math.max(worst, Math.max(p.p95() / bases[i].p95(), p.p99() / bases[i].p99()));
        }
        row.append(String.format(Locale.ROOT, " %s%.3f%s |", worst <= 1.05 ? "**" : "", worst,
            worst <= 1.05 ? "**" : ""));
      }
      System.out.println(row);
    }
  }
}
