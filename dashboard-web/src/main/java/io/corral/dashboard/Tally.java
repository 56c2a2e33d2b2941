package io.corral.dashboard;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.vertx.core.json.JsonObject;

/**
 * Counts for one subject (the member, a backend, an app): totals since start plus a sliding window of the last
 * {@value #WINDOW_SECONDS} seconds kept in per-second slots, each with a latency sketch ({@link LatencySketch}, for
 * the dashboard's percentiles) and coarse buckets (for Prometheus, and for members of older builds).
 *
 * <p>Not thread-safe: the owner ({@link TrafficTap}) guards it.
 */
final class Tally {

  static final int WINDOW_SECONDS = 60;
  /** The window the request rate is computed over: short enough to move visibly when traffic starts. */
  static final int RATE_SECONDS = 10;

  long total;
  long errors;
  long lastSeenMillis;
  final long[] cumulativeBuckets = new long[LatencyBuckets.COUNT];
  double cumulativeSeconds;

  private final long[] slotSecond = new long[WINDOW_SECONDS];
  private final long[] slotCount = new long[WINDOW_SECONDS];
  private final long[] slotErrors = new long[WINDOW_SECONDS];
  private final long[][] slotBuckets = new long[WINDOW_SECONDS][LatencyBuckets.COUNT];
  /** Made at a slot's first sample: a quiet subject keeps none. */
  private final DDSketch[] slotSketches = new DDSketch[WINDOW_SECONDS];
  private final long[] slotTokens = new long[WINDOW_SECONDS];
  private final long[] slotGenerationNanos = new long[WINDOW_SECONDS];

  /** Records one request; {@code latencyNanos} < 0 means no latency sample (e.g. no first token). */
  void record(long nowMillis, boolean error, long latencyNanos) {
    total++;
    if (error) {
      errors++;
    }
    lastSeenMillis = nowMillis;
    int slot = slot(nowMillis);
    slotCount[slot]++;
    if (error) {
      slotErrors[slot]++;
    }
    if (latencyNanos >= 0) {
      int b = LatencyBuckets.indexOf(latencyNanos);
      slotBuckets[slot][b]++;
      if (slotSketches[slot] == null) {
        slotSketches[slot] = LatencySketch.empty();
      }
      slotSketches[slot].accept(latencyNanos / 1e6);
      cumulativeBuckets[b]++;
      cumulativeSeconds += latencyNanos / 1e9;
    }
  }

  private int slot(long nowMillis) {
    long second = nowMillis / 1000;
    int slot = (int) Math.floorMod(second, (long) WINDOW_SECONDS);
    if (slotSecond[slot] != second) {
      slotSecond[slot] = second;
      slotCount[slot] = 0;
      slotErrors[slot] = 0;
      java.util.Arrays.fill(slotBuckets[slot], 0);
      if (slotSketches[slot] != null) {
        slotSketches[slot].clear();
      }
      slotTokens[slot] = 0;
      slotGenerationNanos[slot] = 0;
    }
    return slot;
  }

  /** One finished stream: {@code tokens} generated over {@code nanos} (its speed, weighted by its length). */
  void recordTokens(long nowMillis, long tokens, long nanos) {
    int slot = slot(nowMillis);
    slotTokens[slot] += tokens;
    slotGenerationNanos[slot] += nanos;
  }

  /** Totals, the last minute's counts and latency histogram, and the recent request rate. */
  JsonObject toJson(long nowMillis) {
    long second = nowMillis / 1000;
    long windowCount = 0;
    long windowErrors = 0;
    long rateCount = 0;
    long[] buckets = new long[LatencyBuckets.COUNT];
    DDSketch sketch = LatencySketch.empty();
    long windowTokens = 0;
    long windowGenerationNanos = 0;
    for (int i = 0; i < WINDOW_SECONDS; i++) {
      long age = second - slotSecond[i];
      if (age < 0 || age >= WINDOW_SECONDS) {
        continue;
      }
      windowTokens += slotTokens[i];
      windowGenerationNanos += slotGenerationNanos[i];
      windowCount += slotCount[i];
      windowErrors += slotErrors[i];
      // the current second is still filling; the rate uses the last RATE_SECONDS complete seconds
      if (age >= 1 && age <= RATE_SECONDS) {
        rateCount += slotCount[i];
      }
      for (int b = 0; b < LatencyBuckets.COUNT; b++) {
        buckets[b] += slotBuckets[i][b];
      }
      if (slotSketches[i] != null && !slotSketches[i].isEmpty()) {
        sketch.mergeWith(slotSketches[i]);
      }
    }
    return new JsonObject().put("total", total).put("errors", errors).put("lastSeen", lastSeenMillis)
        .put("windowCount", windowCount).put("windowErrors", windowErrors)
        .put("rate", rateCount / (double) RATE_SECONDS)
        .put("windowTokens", windowTokens).put("windowGenerationSeconds", windowGenerationNanos / 1e9)
        .put("window", LatencyBuckets.toJson(buckets)).put("windowSketch", LatencySketch.encode(sketch))
        .put("cumulative", LatencyBuckets.toJson(cumulativeBuckets)).put("sumSeconds", cumulativeSeconds);
  }
}
