package io.corral.router.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One backend as a member's {@code /api/cluster} shows it: what the cluster knows, not what the backend says now.
 *
 * @param health        {@code up}, {@code down}, {@code draining}, {@code circuit_open} or {@code unknown}
 * @param circuitReason why the circuit is open, or empty
 * @param observedBy    the name of the member whose probe set the current state (its id if it left)
 * @param updatedAt     when that state began (epoch millis; members publish only changes), 0 if never
 */
record ClusterBackend(String id, String kind, String health, int slots, int inFlight, List<String> models,
    List<String> loadedModels, String lastError, String observedBy, long updatedAt, String circuitReason) {

  ClusterBackend {
    models = List.copyOf(models);
    loadedModels = List.copyOf(loadedModels);
  }

  static List<ClusterBackend> allIn(JsonObject cluster) {
    Map<String, String> names = new HashMap<>();
    for (Object o : cluster.getJsonArray("members", new JsonArray())) {
      if (o instanceof JsonObject m && m.getString("id") != null) {
        names.put(m.getString("id"), m.getString("name", m.getString("id")));
      }
    }
    List<ClusterBackend> out = new ArrayList<>();
    JsonArray list = cluster.getJsonArray("backends", new JsonArray());
    for (Object o : list) {
      if (o instanceof JsonObject b) {
        String observer = b.getString("observedBy", "");
        JsonObject circuit = b.getJsonObject("circuit");
        out.add(new ClusterBackend(b.getString("id", "?"), b.getString("kind", "unknown"),
            b.getString("health", "unknown"), b.getInteger("slots", 0), b.getInteger("inFlight", 0),
            strings(b.getJsonArray("models")), strings(b.getJsonArray("loadedModels")),
            b.getString("lastError", ""), names.getOrDefault(observer, observer), b.getLong("updatedAt", 0L),
            circuit == null ? "" : circuit.getString("reason", "")));
      }
    }
    return out;
  }

  boolean serving() {
    return health.equals("up");
  }

  /** Models with the loaded ones marked {@code *}, e.g. {@code llama3*, qwen2.5}. */
  String modelList() {
    if (models.isEmpty()) {
      return "-";
    }
    List<String> shown = new ArrayList<>();
    for (String m : models) {
      shown.add(loadedModels.contains(m) ? m + "*" : m);
    }
    return String.join(", ", shown);
  }

  private static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      for (Object o : array) {
        if (o != null) {
          out.add(o.toString());
        }
      }
    }
    return out;
  }
}
