package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Three members in one JVM behave as one cluster: one member list, one leader, one table of backends. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterRoutingTest {

  static TestCluster cluster;
  static SimulatedBackend ollama;
  static List<RouterNode> members;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    ollama = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2));
    // only the first member is told about the backend
    cluster.member(List.of(ollama.url()));
    cluster.member(List.of());
    cluster.member(List.of());
    members = cluster.nodes();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static JsonObject clusterView(RouterNode n) {
    return new JsonObject(Http.get(n.apiUrl() + "/api/cluster").body());
  }

  @Test
  @Order(1)
  void everyMemberSeesTheSameMembersAndTheSameLeader() {
    await().atMost(Duration.ofSeconds(20)).until(() -> members.stream()
        .allMatch(n -> clusterView(n).getJsonArray("members").size() == 3));
    Set<String> leaders = members.stream().map(n -> clusterView(n).getJsonObject("leader").getString("apiUrl"))
        .collect(Collectors.toSet());
    assertThat(leaders).containsExactly(members.get(0).apiUrl());
    JsonObject view = clusterView(members.get(2));
    assertThat(view.getJsonObject("member").getString("apiUrl")).isEqualTo(members.get(2).apiUrl());
    assertThat(view.getJsonArray("members").stream().map(o -> ((JsonObject) o).getString("apiUrl")).toList())
        .containsExactly(members.get(0).apiUrl(), members.get(1).apiUrl(), members.get(2).apiUrl());
  }

  @Test
  @Order(2)
  void aBackendKnownToOneMemberIsRoutableThroughEveryMember() {
    await().atMost(Duration.ofSeconds(10)).until(() ->
        clusterView(members.get(2)).getJsonArray("backends").size() == 1);
    JsonObject backend = clusterView(members.get(2)).getJsonArray("backends").getJsonObject(0);
    assertThat(backend.getString("id")).isEqualTo(ollama.url());
    assertThat(backend.getString("kind")).isEqualTo("ollama");
    assertThat(backend.getString("health")).isEqualTo("up");
    assertThat(backend.getInteger("slots")).isEqualTo(1);

    HttpResponse<String> r = Http.post(members.get(2).apiUrl() + "/api/generate",
        "{\"model\":\"llama3\",\"prompt\":\"hi\",\"stream\":false}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("X-Corral-Member")).contains(members.get(2).apiUrl().substring(7));
    assertThat(Http.get(members.get(1).apiUrl() + "/ready").statusCode()).isEqualTo(200);
  }

  @Test
  @Order(3)
  void whenTheLeaderIsTerminatedTheNextOldestMemberLeads() {
    members.get(0).terminate();
    await().atMost(Duration.ofSeconds(10)).until(() ->
        clusterView(members.get(1)).getJsonArray("members").size() == 2
            && clusterView(members.get(2)).getJsonArray("members").size() == 2);
    assertThat(clusterView(members.get(2)).getJsonObject("leader").getString("apiUrl"))
        .isEqualTo(members.get(1).apiUrl());
    assertThat(clusterView(members.get(1)).getJsonObject("member").getBoolean("leader")).isTrue();
  }
}
