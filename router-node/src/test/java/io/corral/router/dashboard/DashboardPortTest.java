package io.corral.router.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The leader's dashboard port: bound by the leader, taken over by the next leader, and the fallbacks when another
 * program holds it (a llama-server, another corral cluster's dashboard).
 */
class DashboardPortTest {

  static Vertx vertx;
  static HttpServer squatter;
  static TestCluster cluster;
  static SimulatedBackend sim;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    // something that is not corral, like a llama-server on its default 8080
    squatter = TestCluster.join(vertx.createHttpServer().requestHandler(r -> r.response()
        .putHeader("Server", "llama.cpp").end("{\"status\":\"ok\"}")).listen(0, "127.0.0.1"));
    cluster = new TestCluster();
    sim = cluster.sim(SimBackendOptions.ollama("llama3"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
    TestCluster.join(vertx.close());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static JsonObject portState(RouterNode via) {
    return new JsonObject(Http.get(via.apiUrl() + "/api/dashboard").body()).getJsonObject("dashboard")
        .getJsonObject("leaderPort");
  }

  @Test
  void theLeaderServesTheDashboardPortAndTheNextLeaderTakesItOver() throws IOException {
    int port = freePort();
    try (TestCluster own = new TestCluster()) {
      RouterNode leader = own.member(List.of(sim.url()), f -> f.put("dashboardPort", Integer.toString(port)));
      RouterNode next = own.member(List.of(), f -> f.put("dashboardPort", Integer.toString(port)));
      HttpResponse<String> root = Http.get("http://127.0.0.1:" + port + "/");
      assertThat(root.statusCode()).isEqualTo(302);
      assertThat(root.headers().firstValue("Location")).hasValue("/dashboard");
      HttpResponse<String> page = Http.get("http://127.0.0.1:" + port + "/dashboard");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<title>corral dashboard</title>");
      assertThat(Http.get("http://127.0.0.1:" + port + "/api/dashboard").headers().firstValue("X-Corral-Member"))
          .hasValue(leader.member().self().name());
      assertThat(leader.dashboard().portStatus().getString("state")).isEqualTo("bound");
      assertThat(next.dashboard().portStatus().getString("state")).isEqualTo("not_leader");
      // the model API stays on the API port only
      assertThat(Http.post("http://127.0.0.1:" + port + "/api/chat", "{}").statusCode()).isEqualTo(404);

      leader.terminate();
      await().atMost(Duration.ofSeconds(5)).ignoreExceptions().untilAsserted(() -> assertThat(
          Http.get("http://127.0.0.1:" + port + "/api/dashboard").headers().firstValue("X-Corral-Member"))
          .hasValue(next.member().self().name()));
      assertThat(next.dashboard().portStatus().getBoolean("bound")).isTrue();
    }
  }

  @Test
  void aPortTakenBySomethingElseIsReportedAndTheMemberKeepsRouting() {
    RouterNode node = cluster.member(List.of(sim.url()),
        f -> f.put("dashboardPort", Integer.toString(squatter.actualPort())));
    assertThat(node.member().leaderElection().isLeader()).isTrue();
    JsonObject state = portState(node);
    assertThat(state.getString("state")).isEqualTo("taken_by_other");
    assertThat(state.getBoolean("bound")).isFalse();
    assertThat(Http.post(node.apiUrl() + "/api/chat", "{\"model\":\"llama3\",\"stream\":false,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode()).isEqualTo(200);
    assertThat(Http.get(node.apiUrl() + "/dashboard").statusCode()).isEqualTo(200);
  }

  @Test
  void aPortHeldByAnotherCorralClustersDashboardIsRecognisedAndLeftAlone() throws IOException {
    int port = freePort();
    try (TestCluster other = new TestCluster(); TestCluster mine = new TestCluster()) {
      RouterNode theirs = other.member(List.of(), f -> f.put("dashboardPort", Integer.toString(port)));
      assertThat(theirs.dashboard().portStatus().getBoolean("bound")).isTrue();
      RouterNode ours = mine.member(List.of(), f -> f.put("dashboardPort", Integer.toString(port)));
      JsonObject state = ours.dashboard().portStatus();
      assertThat(state.getString("state")).isEqualTo("taken_by_corral");
      assertThat(state.getString("occupant")).contains(theirs.member().self().name())
          .contains(other.settings().clusterName());
    }
  }

  @Test
  void withFallbackOffATakenPortIsAnError() {
    TestCluster alone = new TestCluster();
    assertThatThrownBy(() -> alone.member(List.of(), f -> {
      f.put("dashboardPort", Integer.toString(squatter.actualPort()));
      f.put("dashboardFallback", "false");
    })).hasMessageContaining("dashboard port " + squatter.actualPort()).hasMessageContaining("fallback");
    alone.close();
  }
}
