package io.corral.dashboard;

import io.vertx.core.json.JsonArray;

/**
 * Fixed latency buckets shared by every member, so histograms posted by different members can simply be added
 * and percentiles computed for the whole cluster (averaging members' percentiles would be wrong).
 */
final class LatencyBuckets {

  /** Upper bounds in seconds; the last bucket is everything above the last bound (+Inf). */
  static final double[] BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
  static final int COUNT = BOUNDS.length + 1;

  private LatencyBuckets() {}

  static int indexOf(long nanos) {
    double s = nanos / 1e9;
    for (int i = 0; i < BOUNDS.length; i++) {
      if (s <= BOUNDS[i]) {
        return i;
      }
    }
    return BOUNDS.length;
  }

  /**
   * The {@code q} quantile in milliseconds, interpolated linearly inside its bucket; -1 when there are no
   * samples. Values in the +Inf bucket are reported as the last bound.
   */
  static double quantileMillis(long[] counts, double q) {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    if (total == 0) {
      return -1;
    }
    double rank = q * total;
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] == 0) {
        continue;
      }
      if (seen + counts[i] >= rank) {
        if (i >= BOUNDS.length) {
          return BOUNDS[BOUNDS.length - 1] * 1000;
        }
        double lower = i == 0 ? 0 : BOUNDS[i - 1];
        double fraction = (rank - seen) / counts[i];
        return (lower + (BOUNDS[i] - lower) * Math.max(0, Math.min(1, fraction))) * 1000;
      }
      seen += counts[i];
    }
    return BOUNDS[BOUNDS.length - 1] * 1000;
  }

  static JsonArray toJson(long[] counts) {
    JsonArray a = new JsonArray();
    for (long c : counts) {
      a.add(c);
    }
    return a;
  }

  /** Adds a posted array into {@code into}; tolerates a shorter or longer array from another version. */
  static void addInto(long[] into, JsonArray posted) {
    if (posted == null) {
      return;
    }
    for (int i = 0; i < Math.min(into.length, posted.size()); i++) {
      Object v = posted.getValue(i);
      if (v instanceof Number n) {
        into[i] += n.longValue();
      }
    }
  }
}
