package io.corral.bench.loadquality;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Percentiles of exact samples (nearest rank, no histogram buckets) and the median/min/max of a value over
 * repeated runs. Stateless.
 */
final class Latency {

  private Latency() {}

  /** Percentiles of one set of samples, in nanoseconds; {@code count == 0} means nothing was measured. */
  record Summary(int count, long p50, long p95, long p99, long max, long mean) {
    static final Summary EMPTY = new Summary(0, 0, 0, 0, 0, 0);

    double p50Ms() {
      return p50 / 1e6;
    }

    double p95Ms() {
      return p95 / 1e6;
    }

    double p99Ms() {
      return p99 / 1e6;
    }

    double maxMs() {
      return max / 1e6;
    }

    double meanMs() {
      return mean / 1e6;
    }
  }

  static Summary summarize(long[] values, int size) {
    if (size == 0) {
      return Summary.EMPTY;
    }
    long[] sorted = Arrays.copyOf(values, size);
    Arrays.sort(sorted);
    long sum = 0;
    for (long v : sorted) {
      sum += v;
    }
    return new Summary(size, rank(sorted, 0.50), rank(sorted, 0.95), rank(sorted, 0.99), sorted[size - 1],
        sum / size);
  }

  private static long rank(long[] sorted, double p) {
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
  }

  /** A growable array of samples. Not thread-safe. */
  static final class Samples {
    private long[] values = new long[256];
    private int size;

    void add(long v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    int size() {
      return size;
    }

    Summary summarize() {
      return Latency.summarize(values, size);
    }
  }

  /** Median, minimum and maximum of a value over runs. */
  record Spread(double median, double min, double max, int n) {
    static final Spread NONE = new Spread(Double.NaN, Double.NaN, Double.NaN, 0);
  }

  static <T> Spread spread(List<T> items, ToDoubleFunction<T> value) {
    double[] v = items.stream().mapToDouble(value).filter(d -> !Double.isNaN(d)).sorted().toArray();
    if (v.length == 0) {
      return Spread.NONE;
    }
    double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    return new Spread(median, v[0], v[v.length - 1], v.length);
  }
}
