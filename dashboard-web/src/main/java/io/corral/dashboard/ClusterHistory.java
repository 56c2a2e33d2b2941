package io.corral.dashboard;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;

/**
 * The last minutes of cluster totals for the page's charts (request rate, latency percentiles, queue depth).
 * Every member keeps its own copy, fed by the members' posts as they arrive, so a page that moves to another
 * member still has its charts.
 *
 * <p>Thread-safety: guarded by this object's monitor.
 */
final class ClusterHistory {

  static final int POINTS = 300;

  private final ArrayDeque<JsonArray> points = new ArrayDeque<>();
  private final long minGapMillis;
  private long lastAt;

  ClusterHistory(long minGapMillis) {
    this.minGapMillis = minGapMillis;
  }

  /**
   * Whether a point taken now would be kept: lets the caller skip reading every member's document (posts arrive
   * several times per interval, one per member) when it would not.
   */
  synchronized boolean due(long nowMillis) {
    return nowMillis - lastAt >= minGapMillis;
  }

  /** Appends a point from {@code totals} unless the last one is younger than the minimum gap. */
  synchronized boolean offer(long nowMillis, JsonObject totals) {
    if (!due(nowMillis)) {
      return false;
    }
    lastAt = nowMillis;
    JsonObject lat = totals.getJsonObject("latencyMs", new JsonObject());
    // compact rows [t, rps, p50, p95, p99, queue]: 300 of them go with every snapshot
    points.addLast(new JsonArray().add(nowMillis).add(Math.round(totals.getDouble("requestsPerSecond", 0.0) * 100)
        / 100.0).add(lat.getValue("p50")).add(lat.getValue("p95")).add(lat.getValue("p99"))
        .add(totals.getInteger("queueDepth", 0)));
    while (points.size() > POINTS) {
      points.removeFirst();
    }
    return true;
  }

  synchronized JsonArray toJson() {
    return new JsonArray(new java.util.ArrayList<>(points));
  }
}
