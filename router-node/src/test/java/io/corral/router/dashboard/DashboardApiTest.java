package io.corral.router.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's JSON endpoints on a two-member cluster: every member sees every member's statistics, the cluster
 * Prometheus text adds them up, applications register and expire, events are served with cluster-wide ids.
 */
class DashboardApiTest {

  static TestCluster cluster;
  static SimulatedBackend sim;
  static RouterNode leader;
  static RouterNode other;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    sim = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(4));
    java.util.function.Consumer<Map<String, Object>> flags = f -> {
      f.put("dashboardPort", "0");
      f.put("dashboardStatsInterval", "300ms");
      f.put("appStaleAfter", "1s");
      f.put("appRemoveAfter", "3s");
    };
    leader = cluster.member(List.of(sim.url() + ";slots=4"), flags);
    other = cluster.member(List.of(), flags);
    await().atMost(Duration.ofSeconds(15)).until(() -> other.backends().all().stream().anyMatch(b -> b.isUp()));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static JsonObject json(String url) {
    HttpResponse<String> r = Http.get(url);
    assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  static HttpResponse<String> chat(RouterNode via, String app) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(via.apiUrl() + "/api/chat"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3\",\"stream\":false,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
    if (app != null) {
      b.header("X-Corral-App", app);
    }
    return Http.send(b.build());
  }

  static JsonObject memberNamed(JsonObject snapshot, String apiUrl) {
    for (Object o : snapshot.getJsonArray("members")) {
      JsonObject m = (JsonObject) o;
      if (apiUrl.equals(m.getString("apiUrl"))) {
        return m;
      }
    }
    throw new AssertionError("no member " + apiUrl + " in " + snapshot.getJsonArray("members"));
  }

  @Test
  void aNonLeadersTrafficAppearsInTheLeadersSnapshotPerMemberBackendAndApp() {
    for (int i = 0; i < 5; i++) {
      assertThat(chat(other, "notes-app").statusCode()).isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonObject s = json(leader.apiUrl() + "/api/dashboard");
      assertThat(memberNamed(s, other.apiUrl()).getLong("requestsTotal")).isGreaterThanOrEqualTo(5);
      JsonObject backend = s.getJsonArray("backends").getJsonObject(0);
      assertThat(backend.getString("id")).isEqualTo(sim.url());
      assertThat(backend.getString("health")).isEqualTo("up");
      assertThat(backend.getLong("requestsTotal")).isGreaterThanOrEqualTo(5);
      assertThat(backend.getInteger("slots")).isEqualTo(4);
      assertThat(backend.getJsonObject("ttftMs").getDouble("p50")).isNotNull();
      JsonArray apps = s.getJsonArray("applications");
      assertThat(apps.stream().map(JsonObject.class::cast).filter(a -> a.getString("name").equals("notes-app"))
          .findFirst().orElseThrow().getLong("requestsTotal")).isGreaterThanOrEqualTo(5);
      assertThat(s.getJsonObject("totals").getLong("requestsTotal")).isGreaterThanOrEqualTo(5);
      assertThat(s.getJsonObject("queue").getInteger("depth")).isZero();
    });
    JsonObject members = json(other.apiUrl() + "/api/members");
    assertThat(members.getJsonArray("members")).hasSize(2);
    JsonObject lead = members.getJsonArray("members").getJsonObject(0);
    assertThat(lead.getBoolean("leader")).isTrue();
    assertThat(lead.getJsonObject("heap").getLong("used")).isPositive();
    assertThat(json(other.apiUrl() + "/api/backends").getJsonArray("backends")).hasSize(1);
    assertThat(json(other.apiUrl() + "/api/queue").getInteger("depth")).isZero();
  }

  /** A sample line of the text format: name, optional labels, a number. */
  private static final Pattern SAMPLE = Pattern.compile(
      "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*\\})? (-?[0-9.eE+-]+|NaN|\\+Inf)");

  @Test
  void clusterPrometheusTextIsWellFormedAndItsTotalsAreTheSumOfTheMembers() {
    chat(leader, null);
    chat(other, null);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      HttpResponse<String> r = Http.get(other.apiUrl() + "/metrics/cluster");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
      Map<String, String> types = new HashMap<>();
      double clusterTotal = -1;
      double memberSum = 0;
      int members = 0;
      String family = null;
      for (String line : r.body().split("\n")) {
        if (line.startsWith("# HELP ")) {
          continue;
        }
        if (line.startsWith("# TYPE ")) {
          String[] parts = line.split(" ");
          assertThat(types.put(parts[2], parts[3])).as("one TYPE per family: " + parts[2]).isNull();
          family = parts[2];
          continue;
        }
        Matcher m = SAMPLE.matcher(line);
        assertThat(m.matches()).as("sample line: " + line).isTrue();
        assertThat(m.group(1)).as("samples follow their family's TYPE").startsWith(family);
        if (m.group(1).equals("corral_cluster_requests_total")) {
          clusterTotal = Double.parseDouble(m.group(4));
        }
        if (m.group(1).equals("corral_member_requests_total")) {
          memberSum += Double.parseDouble(m.group(4));
          members++;
        }
      }
      assertThat(members).isEqualTo(2);
      assertThat(clusterTotal).isGreaterThanOrEqualTo(2).isEqualTo(memberSum);
      assertThat(types).containsEntry("corral_cluster_request_duration_seconds", "histogram")
          .containsEntry("corral_cluster_backend_slots_in_use", "gauge");
      assertThat(r.body()).contains("corral_cluster_backend_up{backend=\"" + sim.url() + "\",kind=\"ollama\"} 1");
    });
  }

  @Test
  void anApplicationRegistersHeartbeatsGoesStaleIsRemovedAndUnregisters() {
    HttpResponse<String> reg = Http.post(other.apiUrl() + "/api/applications/register",
        "{\"name\":\"webui\",\"version\":\"1.2\",\"kind\":\"webui\"}");
    assertThat(reg.statusCode()).as(reg.body()).isEqualTo(200);
    assertThat(new JsonObject(reg.body()).getString("status")).isEqualTo("registered");
    // registered through one member, seen on the other
    await().atMost(Duration.ofSeconds(5)).until(() -> app(leader, "webui") != null
        && "active".equals(app(leader, "webui").getString("status")));
    assertThat(app(leader, "webui").getString("version")).isEqualTo("1.2");

    await().atMost(Duration.ofSeconds(5)).until(() -> "stale".equals(app(leader, "webui").getString("status")));
    assertThat(Http.post(leader.apiUrl() + "/api/applications/heartbeat", "{\"name\":\"webui\"}").statusCode())
        .isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> "active".equals(app(other, "webui").getString("status")));

    assertThat(Http.post(leader.apiUrl() + "/api/applications/unregister", "{\"name\":\"webui\"}").statusCode())
        .isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> app(other, "webui") == null);
    HttpResponse<String> late = Http.post(other.apiUrl() + "/api/applications/heartbeat", "{\"name\":\"webui\"}");
    assertThat(late.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(late.body()).getString("error")).contains("not registered");

    // an app that stops sending heartbeats is removed cluster-wide after appRemoveAfter
    assertThat(Http.post(other.apiUrl() + "/api/applications/register", "{\"name\":\"batch-job\"}").statusCode())
        .isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> app(leader, "batch-job") != null);
    await().atMost(Duration.ofSeconds(10)).until(() -> app(leader, "batch-job") == null
        && app(other, "batch-job") == null);
    await().atMost(Duration.ofSeconds(10)).until(() -> events(leader, -1).stream()
        .anyMatch(e -> e.getString("event_type").equals("app_stale") && e.getString("subject").equals("batch-job")));
    assertThat(events(leader, -1).stream().filter(e -> e.getString("event_type").equals("app_registered")))
        .extracting(e -> e.getString("subject")).contains("webui", "batch-job");
  }

  @Test
  void badApplicationBodiesGet400InOllamasErrorShape() {
    String url = leader.apiUrl() + "/api/applications/register";
    for (String body : List.of("", "not json", "[1,2]", "{}", "{\"name\":42}", "{\"name\":\"  \"}",
        "{\"name\":\"ok\",\"version\":7}", "{\"name\":\"" + "x".repeat(101) + "\"}")) {
      HttpResponse<String> r = Http.post(url, body);
      assertThat(r.statusCode()).as("body " + body).isEqualTo(400);
      assertThat(new JsonObject(r.body()).getString("error")).as("body " + body).isNotBlank();
    }
    assertThat(Http.post(leader.apiUrl() + "/api/applications/heartbeat", "{\"name\":\"nobody\"}").statusCode())
        .isEqualTo(404);
    assertThat(Http.post(leader.apiUrl() + "/api/applications/unregister", "{\"name\":\"nobody\"}").statusCode())
        .isEqualTo(404);
    assertThat(Http.get(leader.apiUrl() + "/api/applications/register").statusCode()).isEqualTo(405);
    assertThat(Http.get(leader.apiUrl() + "/api/events?since=abc").statusCode()).isEqualTo(400);
  }

  @Test
  void eventsCarryClusterWideIdsAndSinceReturnsOnlyNewerOnes() {
    Http.post(leader.apiUrl() + "/api/applications/register", "{\"name\":\"ids-1\"}");
    await().atMost(Duration.ofSeconds(5)).until(() -> events(other, -1).stream()
        .anyMatch(e -> e.getString("subject").equals("ids-1")));
    long mark = events(other, -1).stream().filter(e -> e.getString("subject").equals("ids-1")).findFirst()
        .orElseThrow().getLong("id");
    // the same event has the same id on the other member
    assertThat(events(leader, -1).stream().filter(e -> e.getString("subject").equals("ids-1")).findFirst()
        .orElseThrow().getLong("id")).isEqualTo(mark);
    Http.post(other.apiUrl() + "/api/applications/register", "{\"name\":\"ids-2\"}");
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      List<JsonObject> newer = events(leader, mark);
      assertThat(newer).extracting(e -> e.getString("subject")).contains("ids-2").doesNotContain("ids-1");
      assertThat(newer).allMatch(e -> e.getLong("id") > mark);
      JsonObject first = newer.get(0);
      assertThat(first.fieldNames()).contains("timestamp", "component", "event_type", "message", "level");
    });
  }

  @Test
  void theSnapshotNamesEveryMembersApiUrlAndAllowsReadsFromAnotherMembersPage() {
    HttpResponse<String> r = Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(other.apiUrl()
        + "/api/dashboard")).header("Origin", leader.apiUrl()).build());
    assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue(leader.apiUrl());
    assertThat(r.headers().firstValue("X-Corral-Member")).isPresent();
    JsonObject s = new JsonObject(r.body());
    assertThat(s.getJsonArray("members").stream().map(o -> ((JsonObject) o).getString("apiUrl")))
        .containsExactly(leader.apiUrl(), other.apiUrl());
    assertThat(s.getJsonObject("servedBy").getString("apiUrl")).isEqualTo(other.apiUrl());
    assertThat(Http.get(other.apiUrl() + "/dashboard").body()).contains("<title>corral dashboard</title>");
    assertThat(Http.get(other.apiUrl() + "/dashboard/dashboard.js").statusCode()).isEqualTo(200);
  }

  static JsonObject app(RouterNode via, String name) {
    for (Object o : json(via.apiUrl() + "/api/applications").getJsonArray("applications")) {
      JsonObject a = (JsonObject) o;
      if (a.getString("name").equals(name) && a.getBoolean("registered")) {
        return a;
      }
    }
    return null;
  }

  static List<JsonObject> events(RouterNode via, long since) {
    return json(via.apiUrl() + "/api/events?since=" + since).getJsonArray("events").stream()
        .map(JsonObject.class::cast).toList();
  }
}
