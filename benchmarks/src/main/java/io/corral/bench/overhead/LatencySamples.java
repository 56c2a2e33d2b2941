package io.corral.bench.overhead;

import java.util.Arrays;

/**
 * Every latency of one measured window, in nanoseconds, kept exactly (no histogram buckets): a 20 s window at a
 * few thousand requests per second is well under a million longs, and exact percentiles avoid bucket error at
 * the sub-millisecond differences this benchmark is about.
 *
 * <p>Not thread-safe: each load stream owns its own instance, and the phase merges them after the streams stop.
 */
final class LatencySamples {

  private long[] values = new long[1024];
  private int size;

  void add(long nanos) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = nanos;
  }

  void addAll(LatencySamples other) {
    for (int i = 0; i < other.size; i++) {
      add(other.values[i]);
    }
  }

  int size() {
    return size;
  }

  /** Sorts a copy and reads p50, p99 and the maximum (nearest-rank percentiles). */
  Summary summarize() {
    if (size == 0) {
      return Summary.EMPTY;
    }
    long[] sorted = Arrays.copyOf(values, size);
    Arrays.sort(sorted);
    long sum = 0;
    for (long v : sorted) {
      sum += v;
    }
    return new Summary(size, rank(sorted, 0.50), rank(sorted, 0.99), sorted[size - 1], sum / size);
  }

  private static long rank(long[] sorted, double p) {
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
  }

  /** Percentiles of one window, in nanoseconds; {@code count == 0} means nothing was measured. */
  record Summary(int count, long p50, long p99, long max, long mean) {
    static final Summary EMPTY = new Summary(0, 0, 0, 0, 0);
  }
}
