package io.corral.dashboard;

import com.datadoghq.sketch.ddsketch.DDSketch;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One latency window summed over members: their sketches merged ({@link LatencySketch}). A member of an older build
 * posts only coarse buckets; while one such member has samples in the window, the percentiles come from everyone's
 * buckets instead (interpolated, as before), so a mixed cluster still shows the whole cluster.
 *
 * <p>Not thread-safe; one per snapshot.
 */
final class LatencyWindow {

  private final DDSketch sketch = LatencySketch.empty();
  private final long[] buckets = new long[LatencyBuckets.COUNT];
  private boolean bucketsOnly;

  /** Adds one member's tally ({@code Tally.toJson}); null is nothing. */
  void add(JsonObject tally) {
    if (tally == null) {
      return;
    }
    JsonArray window = tally.getJsonArray("window");
    LatencyBuckets.addInto(buckets, window);
    Object encoded = tally.getValue("windowSketch");
    if (!(encoded instanceof String s && LatencySketch.mergeEncoded(sketch, s)) && hasSamples(window)) {
      bucketsOnly = true;
    }
  }

  /** p50, p95 and p99 in milliseconds; null each when the window has no sample. */
  JsonObject percentiles() {
    if (bucketsOnly) {
      return ClusterView.percentiles(buckets);
    }
    return LatencySketch.percentiles(sketch);
  }

  private static boolean hasSamples(JsonArray window) {
    if (window == null) {
      return false;
    }
    for (Object v : window) {
      if (v instanceof Number n && n.longValue() > 0) {
        return true;
      }
    }
    return false;
  }
}
