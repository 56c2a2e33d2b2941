package io.corral.dashboard;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /metrics/cluster}: Prometheus text (format 0.0.4) for the whole cluster, from the statistics every
 * member posts. Counters are the sum of the live members' counters (a member that leaves takes its share along,
 * which Prometheus treats as a counter reset); per-member series carry a {@code member} label.
 */
final class ClusterMetricsText {

  private final StringBuilder out = new StringBuilder(4096);

  private ClusterMetricsText() {}

  static String render(Map<String, JsonObject> docs, JsonArray members, JsonArray backends, JsonObject queue,
      JsonArray apps) {
    ClusterMetricsText t = new ClusterMetricsText();
    t.header("corral_cluster_members", "gauge", "Members in the cluster");
    t.sample("corral_cluster_members", "", members.size());

    long total = 0;
    long errors = 0;
    int inFlight = 0;
    long[] buckets = new long[LatencyBuckets.COUNT];
    double sum = 0;
    for (JsonObject d : docs.values()) {
      JsonObject req = d.getJsonObject("requests", new JsonObject());
      total += req.getLong("total", 0L);
      errors += req.getLong("errors", 0L);
      inFlight += d.getInteger("inFlight", 0);
      LatencyBuckets.addInto(buckets, req.getJsonArray("cumulative"));
      sum += req.getDouble("sumSeconds", 0.0);
    }
    t.header("corral_cluster_requests_total", "counter", "Model requests answered by all members");
    t.sample("corral_cluster_requests_total", "", total);
    t.header("corral_cluster_request_errors_total", "counter", "Model requests answered with 5xx or 429");
    t.sample("corral_cluster_request_errors_total", "", errors);
    t.header("corral_cluster_in_flight", "gauge", "Requests holding a slot, all members");
    t.sample("corral_cluster_in_flight", "", inFlight);
    t.header("corral_cluster_request_duration_seconds", "histogram",
        "Model request duration, all members (arrival to end of response)");
    long cumulative = 0;
    for (int i = 0; i < LatencyBuckets.BOUNDS.length; i++) {
      cumulative += buckets[i];
      t.sample("corral_cluster_request_duration_seconds_bucket", "le=\"" + num(LatencyBuckets.BOUNDS[i]) + "\"",
          cumulative);
    }
    cumulative += buckets[LatencyBuckets.BOUNDS.length];
    t.sample("corral_cluster_request_duration_seconds_bucket", "le=\"+Inf\"", cumulative);
    t.sample("corral_cluster_request_duration_seconds_sum", "", sum);
    t.sample("corral_cluster_request_duration_seconds_count", "", cumulative);

    t.header("corral_cluster_queue_depth", "gauge", "Requests waiting in the cluster-wide queue");
    t.sample("corral_cluster_queue_depth", "", queue.getInteger("depth", 0));
    t.header("corral_cluster_queue_waiting", "gauge", "Requests waiting, by priority");
    new TreeMap<>(queue.getJsonObject("byPriority", new JsonObject()).getMap()).forEach((p, n) ->
        t.sample("corral_cluster_queue_waiting", "priority=\"" + esc(p) + "\"", ((Number) n).doubleValue()));
    t.header("corral_cluster_queue_oldest_wait_seconds", "gauge", "Wait of the oldest waiting request");
    t.sample("corral_cluster_queue_oldest_wait_seconds", "", queue.getLong("oldestWaitMs", 0L) / 1000.0);

    // the text format wants each family's samples together, right after its header: one pass per family
    t.backendFamily(backends, "corral_cluster_backend_up", "gauge", "1 when the backend is healthy (up), else 0",
        b -> "up".equals(b.getString("health")) ? 1 : 0);
    t.backendFamily(backends, "corral_cluster_backend_slots", "gauge", "Slots of the backend",
        b -> b.getInteger("slots", 0));
    t.backendFamily(backends, "corral_cluster_backend_slots_in_use", "gauge", "Slots leased across the cluster",
        b -> b.getInteger("slotsInUse", 0));
    t.backendFamily(backends, "corral_cluster_backend_requests_total", "counter",
        "Requests served by the backend, all members", b -> b.getLong("requestsTotal", 0L));
    t.backendFamily(backends, "corral_cluster_backend_errors_total", "counter",
        "Requests to the backend that ended in a 5xx, all members", b -> b.getLong("errorsTotal", 0L));

    t.header("corral_cluster_app_requests_total", "counter", "Requests carrying X-Corral-App, by app");
    for (Object o : apps) {
      JsonObject a = (JsonObject) o;
      t.sample("corral_cluster_app_requests_total", "app=\"" + esc(a.getString("name")) + "\"",
          a.getLong("requestsTotal", 0L));
    }

    t.memberFamily(members, "corral_member_leader", "gauge", "1 on the leader",
        m -> m.getBoolean("leader", false) ? 1.0 : 0.0);
    t.memberFamily(members, "corral_member_requests_total", "counter", "Model requests answered, per member",
        m -> m.getBoolean("reporting", false) ? (double) m.getLong("requestsTotal", 0L) : null);
    t.memberFamily(members, "corral_member_in_flight", "gauge", "Requests holding a slot, per member",
        m -> m.getBoolean("reporting", false) ? (double) m.getInteger("inFlight", 0) : null);
    t.memberFamily(members, "corral_member_queue_held", "gauge",
        "Waiting requests whose connection this member holds",
        m -> m.getBoolean("reporting", false) ? (double) m.getInteger("queueHeld", 0) : null);
    t.memberFamily(members, "corral_member_heap_used_bytes", "gauge", "JVM heap in use, per member",
        m -> m.getJsonObject("heap") == null ? null : (double) m.getJsonObject("heap").getLong("used", 0L));
    t.memberFamily(members, "corral_member_cpu_ratio", "gauge", "Process CPU load (0-1), per member", m -> {
      JsonObject cpu = m.getJsonObject("cpu");
      return cpu != null && cpu.getValue("process") instanceof Number n && n.doubleValue() >= 0 ? n.doubleValue()
          : null;
    });
    return t.out.toString();
  }

  private void backendFamily(JsonArray backends, String name, String type, String help,
      java.util.function.ToDoubleFunction<JsonObject> value) {
    header(name, type, help);
    for (Object o : backends) {
      JsonObject b = (JsonObject) o;
      sample(name, "backend=\"" + esc(b.getString("id")) + "\",kind=\"" + esc(b.getString("kind")) + "\"",
          value.applyAsDouble(b));
    }
  }

  /** A per-member family; members for which {@code value} gives null are left out. */
  private void memberFamily(JsonArray members, String name, String type, String help,
      java.util.function.Function<JsonObject, Double> value) {
    header(name, type, help);
    for (Object o : members) {
      JsonObject m = (JsonObject) o;
      Double v = value.apply(m);
      if (v != null) {
        sample(name, "member=\"" + esc(m.getString("name")) + "\"", v);
      }
    }
  }

  private void header(String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private void sample(String name, String labels, double value) {
    out.append(name);
    if (!labels.isEmpty()) {
      out.append('{').append(labels).append('}');
    }
    out.append(' ').append(num(value)).append('\n');
  }

  private static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, "%s", v);
  }

  /** Label values escape backslash, double quote and newline (the text format's rules). */
  private static String esc(String s) {
    return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
