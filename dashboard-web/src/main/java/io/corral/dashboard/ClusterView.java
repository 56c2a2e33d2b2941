package io.corral.dashboard;

import io.corral.cluster.CorralMember;
import io.corral.cluster.MemberView;
import io.corral.cluster.apps.AppRegistry;
import io.corral.cluster.apps.RegisteredApp;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.backends.OpenCircuits;
import io.corral.cluster.stats.MemberStatsBoard;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cluster as the dashboard shows it, assembled from local views only (the members' posted statistics, the
 * backend table, open circuits, the app registry): building it never waits on the cluster, so every member can
 * answer {@code /api/dashboard} and push snapshots at no cost to the others.
 *
 * <p>Thread-safety: stateless apart from the views it reads, which are concurrent; safe from any thread.
 */
final class ClusterView {

  private final CorralMember member;
  private final MemberStatsBoard board;
  private final BackendRegistry backends;
  private final OpenCircuits circuits;
  private final AppRegistry apps;
  private final Duration appStaleAfter;
  private final Duration appRemoveAfter;
  private final InstantSource clock;

  ClusterView(CorralMember member, MemberStatsBoard board, BackendRegistry backends, OpenCircuits circuits,
      AppRegistry apps, Duration appStaleAfter, Duration appRemoveAfter, InstantSource clock) {
    this.member = member;
    this.board = board;
    this.backends = backends;
    this.circuits = circuits;
    this.apps = apps;
    this.appStaleAfter = appStaleAfter;
    this.appRemoveAfter = appRemoveAfter;
    this.clock = clock;
  }

  /** Every current member's last posted document, keyed by member UUID, oldest member first. */
  Map<String, JsonObject> docs() {
    Map<String, String> posted = board.all();
    Map<String, JsonObject> out = new LinkedHashMap<>();
    for (MemberView m : member.members()) {
      String raw = posted.get(m.id());
      if (raw != null) {
        try {
          out.put(m.id(), new JsonObject(raw));
        } catch (DecodeException ignored) {
          // a member of another version posted something unreadable: show it without statistics
        }
      }
    }
    return out;
  }

  /** The leader's ledger picture (slots in use, queue), or an empty one before the leader's first post. */
  static JsonObject ledger(Map<String, JsonObject> docs) {
    for (JsonObject d : docs.values()) {
      if (d.getBoolean("leader", false) && d.getJsonObject("ledger") != null) {
        return d.getJsonObject("ledger");
      }
    }
    return new JsonObject().put("queueDepth", 0).put("byPriority", new JsonObject()).put("byModel", new JsonObject())
        .put("arrivals", 0).put("backends", new JsonArray()).put("leasesByMember", new JsonObject());
  }

  JsonArray members(Map<String, JsonObject> docs) {
    long now = clock.millis();
    JsonArray out = new JsonArray();
    for (MemberView m : member.members()) {
      JsonObject d = docs.get(m.id());
      JsonObject j = new JsonObject().put("id", m.id()).put("name", m.name()).put("address", m.address())
          .put("apiUrl", m.apiUrl()).put("startedAt", m.startedAtMillis())
          .put("uptimeSeconds", m.startedAtMillis() > 0 ? (now - m.startedAtMillis()) / 1000 : null)
          .put("leader", m.leader()).put("self", m.self()).put("reporting", d != null);
      if (d != null) {
        JsonObject req = d.getJsonObject("requests", new JsonObject());
        LatencyWindow window = new LatencyWindow();
        window.add(req);
        LatencyWindow ttft = new LatencyWindow();
        ttft.add(d.getJsonObject("ttft"));
        j.put("requestsPerSecond", req.getDouble("rate", 0.0)).put("requestsTotal", req.getLong("total", 0L))
            .put("errorsTotal", req.getLong("errors", 0L))
            .put("inFlight", d.getInteger("inFlight", 0)).put("queueHeld", d.getInteger("queueHeld", 0))
            .put("oldestWaitMs", d.getLong("oldestWaitMs", 0L))
            .put("cpu", d.getJsonObject("cpu")).put("heap", d.getJsonObject("heap"))
            .put("latencyMs", window.percentiles()).put("ttftMs", ttft.percentiles())
            .put("postedAt", d.getLong("postedAt", 0L)).put("dashboardPort", d.getJsonObject("dashboardPort"));
      }
      out.add(j);
    }
    return out;
  }

  JsonArray backends(Map<String, JsonObject> docs) {
    JsonObject ledger = ledger(docs);
    Map<String, JsonObject> loads = new LinkedHashMap<>();
    for (Object o : ledger.getJsonArray("backends", new JsonArray())) {
      if (o instanceof JsonObject b) {
        loads.put(b.getString("id"), b);
      }
    }
    JsonArray out = new JsonArray();
    backends.all().stream().sorted(Comparator.comparing(BackendState::id)).forEach(b -> {
      long requests = 0;
      long errors = 0;
      long windowCount = 0;
      long windowErrors = 0;
      double rate = 0;
      long tokens = 0;
      double generationSeconds = 0;
      LatencyWindow ttft = new LatencyWindow();
      for (JsonObject d : docs.values()) {
        JsonObject t = d.getJsonObject("backends", new JsonObject()).getJsonObject(b.id());
        if (t != null) {
          requests += t.getLong("total", 0L);
          errors += t.getLong("errors", 0L);
          windowCount += t.getLong("windowCount", 0L);
          windowErrors += t.getLong("windowErrors", 0L);
          rate += t.getDouble("rate", 0.0);
          tokens += t.getLong("windowTokens", 0L);
          generationSeconds += t.getDouble("windowGenerationSeconds", 0.0);
          ttft.add(t);
        }
      }
      JsonObject load = loads.get(b.id());
      boolean circuitOpen = circuits.isOpen(b.id());
      out.add(new JsonObject().put("id", b.id()).put("kind", b.kind().wireName())
          .put("health", circuitOpen && b.isUp() ? "circuit_open" : b.health().wireName())
          .put("version", b.version()).put("models", new JsonArray(b.models()))
          .put("loadedModels", new JsonArray(b.loadedModels()))
          .put("slots", load != null ? load.getInteger("slots", b.slots()) : b.slots())
          .put("slotsInUse", load != null ? load.getInteger("inFlight", 0) : 0)
          .put("requestsTotal", requests).put("errorsTotal", errors).put("requestsPerSecond", rate)
          .put("errorRate", windowCount == 0 ? 0.0 : windowErrors / (double) windowCount)
          .put("ttftMs", ttft.percentiles())
          // per stream, over the last minute: streamed records counted by the proxy (one token each for Ollama
          // and llama-server); null (shown "unknown") until a stream finished there
          .put("tokensPerSecond", generationSeconds > 0 ? tokens / generationSeconds : null)
          .put("lastError", b.lastError()).put("observedBy", b.observedBy()).put("updatedAt", b.updatedAtMillis()));
    });
    return out;
  }

  JsonObject queue(Map<String, JsonObject> docs) {
    JsonObject ledger = ledger(docs);
    long oldest = 0;
    JsonObject heldBy = new JsonObject();
    for (JsonObject d : docs.values()) {
      int held = d.getInteger("queueHeld", 0);
      if (held > 0) {
        oldest = Math.max(oldest, d.getLong("oldestWaitMs", 0L));
      }
      heldBy.put(d.getString("name", d.getString("id", "?")), held);
    }
    return new JsonObject().put("depth", ledger.getInteger("queueDepth", 0))
        .put("byPriority", ledger.getJsonObject("byPriority", new JsonObject()))
        .put("byModel", ledger.getJsonObject("byModel", new JsonObject()))
        .put("oldestWaitMs", oldest).put("heldByMember", heldBy).put("arrivals", ledger.getLong("arrivals", 0L));
  }

  /** Application rows in a snapshot: registered apps (capped by the registry) first, then unregistered names. */
  static final int MAX_APP_ROWS = 600;

  JsonArray applications(Map<String, JsonObject> docs) {
    long now = clock.millis();
    Map<String, long[]> counts = new TreeMap<>();
    for (JsonObject d : docs.values()) {
      d.getJsonObject("apps", new JsonObject()).forEach(e -> {
        if (e.getValue() instanceof JsonObject t) {
          long[] c = counts.computeIfAbsent(e.getKey(), k -> new long[3]);
          c[0] += t.getLong("total", 0L);
          c[1] += t.getLong("errors", 0L);
          c[2] = Math.max(c[2], t.getLong("lastSeen", 0L));
        }
      });
    }
    JsonArray out = new JsonArray();
    List<RegisteredApp> registered = apps.all().stream().sorted(Comparator.comparing(RegisteredApp::name)).toList();
    for (RegisteredApp a : registered) {
      long[] c = counts.remove(a.name());
      if (now - a.lastHeartbeatMillis() > appRemoveAfter.toMillis()) {
        // expired: Hazelcast removes it within seconds; do not show it meanwhile
        continue;
      }
      boolean stale = now - a.lastHeartbeatMillis() > appStaleAfter.toMillis();
      out.add(appJson(a.name(), c).put("registered", true).put("version", a.version()).put("kind", a.kind())
          .put("dashboardUrl", SafeLinks.orEmpty(a.dashboardUrl())).put("member", a.member())
          .put("registeredAt", a.registeredAtMillis()).put("lastHeartbeat", a.lastHeartbeatMillis())
          .put("status", stale ? "stale" : "active"));
    }
    // apps that send X-Corral-App without registering still get their requests counted: the most recent first, and
    // only as many as keep the snapshot (sent to every viewer) small
    counts.entrySet().stream().sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[2]))
        .limit(Math.max(0, MAX_APP_ROWS - out.size()))
        .forEach(e -> out.add(appJson(e.getKey(), e.getValue()).put("registered", false)
            .put("status", "unregistered")));
    return out;
  }

  private static JsonObject appJson(String name, long[] c) {
    return new JsonObject().put("name", name).put("requestsTotal", c == null ? 0 : c[0])
        .put("errorsTotal", c == null ? 0 : c[1]).put("lastRequestAt", c == null || c[2] == 0 ? null : c[2]);
  }

  /** Cluster totals: summed rates and counts, percentiles from the summed histograms. */
  static JsonObject totals(Map<String, JsonObject> docs) {
    double rate = 0;
    long total = 0;
    long errors = 0;
    int inFlight = 0;
    LatencyWindow window = new LatencyWindow();
    LatencyWindow ttft = new LatencyWindow();
    for (JsonObject d : docs.values()) {
      JsonObject req = d.getJsonObject("requests", new JsonObject());
      rate += req.getDouble("rate", 0.0);
      total += req.getLong("total", 0L);
      errors += req.getLong("errors", 0L);
      inFlight += d.getInteger("inFlight", 0);
      window.add(req);
      ttft.add(d.getJsonObject("ttft"));
    }
    return new JsonObject().put("requestsPerSecond", rate).put("requestsTotal", total).put("errorsTotal", errors)
        .put("inFlight", inFlight).put("queueDepth", ledger(docs).getInteger("queueDepth", 0))
        .put("latencyMs", window.percentiles()).put("ttftMs", ttft.percentiles());
  }

  static JsonObject percentiles(long[] buckets) {
    return new JsonObject().put("p50", round(LatencyBuckets.quantileMillis(buckets, 0.5)))
        .put("p95", round(LatencyBuckets.quantileMillis(buckets, 0.95)))
        .put("p99", round(LatencyBuckets.quantileMillis(buckets, 0.99)));
  }

  private static Double round(double ms) {
    return ms < 0 ? null : Math.round(ms * 10) / 10.0;
  }

  /** The member that serves the leader's dashboard port, as posted by the leader. */
  static JsonObject dashboardPort(Map<String, JsonObject> docs) {
    for (JsonObject d : docs.values()) {
      if (d.getBoolean("leader", false)) {
        return d.getJsonObject("dashboardPort");
      }
    }
    return null;
  }
}
