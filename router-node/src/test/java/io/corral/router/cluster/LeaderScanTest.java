package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.discovery.scan.ScanSchedule;
import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The leader scans the configured range (here 127.0.0.1 on a few ports) and the whole cluster routes to what it
 * found; when the leader dies, the next one takes over the schedule and the watching. Nobody configures the two
 * simulated backends: only the scan can find them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LeaderScanTest {

  static TestCluster cluster;
  static SimulatedBackend ollama;
  static SimulatedBackend llama;
  static RouterNode first;
  static RouterNode second;

  @BeforeAll
  static void start() throws Exception {
    cluster = new TestCluster();
    ollama = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2));
    llama = cluster.sim(SimBackendOptions.llamaServer("qwen"));
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    String ports = ollama.port() + ":ollama," + llama.port() + ":llama-server," + closed;
    Consumer<Map<String, Object>> scan = f -> {
      f.put("scanCidr", List.of("127.0.0.1/32"));
      f.put("scanPorts", ports);
      f.put("scanInterval", "2s");
    };
    first = cluster.member(List.of(), scan);
    second = cluster.member(List.of(), scan);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static JsonObject view(RouterNode n) {
    return new JsonObject(Http.get(n.apiUrl() + "/api/cluster").body());
  }

  static JsonObject backend(RouterNode n, String url) {
    JsonArray list = view(n).getJsonArray("backends");
    for (int i = 0; i < list.size(); i++) {
      if (list.getJsonObject(i).getString("id").equals(url)) {
        return list.getJsonObject(i);
      }
    }
    return null;
  }

  @Test
  @Order(1)
  void backendsFoundByTheLeadersScanAreRoutableThroughEveryMember() {
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      JsonObject o = backend(second, ollama.url());
      JsonObject l = backend(second, llama.url());
      return o != null && l != null && o.getString("health").equals("up") && l.getString("health").equals("up");
    });
    assertThat(backend(second, ollama.url()).getString("kind")).isEqualTo("ollama");
    assertThat(backend(second, llama.url()).getString("kind")).isEqualTo("llama-server");
    JsonObject scan = view(second).getJsonObject("scan");
    assertThat(scan.getString("leader")).isEqualTo(first.apiUrl());
    assertThat(scan.getJsonArray("backends").getList()).containsExactlyInAnyOrder(ollama.url(), llama.url());
    assertThat(scan.getJsonArray("unknown").getList()).isEmpty();

    HttpResponse<String> r = Http.post(second.apiUrl() + "/api/chat",
        "{\"model\":\"llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":false}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("X-Corral-Backend")).contains(ollama.url());
  }

  @Test
  @Order(2)
  void onlyTheLeaderScansAndTheNextLeaderTakesOverTheScheduleAndTheWatching() {
    long scansBefore = view(second).getJsonObject("scan").getLong("scans");
    await().atMost(Duration.ofSeconds(10)).until(() -> view(second).getJsonObject("scan").getLong("scans")
        >= scansBefore + 2);
    assertThat(view(second).getJsonObject("scan").getString("leader")).isEqualTo(first.apiUrl());

    first.terminate();
    await().atMost(Duration.ofSeconds(20)).until(() -> second.apiUrl().equals(
        view(second).getJsonObject("scan").getString("leader")));

    // the new leader watches what the scan found: a backend that goes away is marked down
    TestCluster.join(llama.close());
    await().atMost(Duration.ofSeconds(15)).until(() -> "down".equals(backend(second, llama.url())
        .getString("health")));
    assertThat(backend(second, ollama.url()).getString("health")).isEqualTo("up");
  }

  @Test
  @Order(3)
  void aScannedBackendThatStaysGoneIsForgottenWhileOneThatAnswersIsKept() {
    long scansBefore = view(second).getJsonObject("scan").getLong("scans");
    await().atMost(Duration.ofSeconds(20)).until(() -> backend(second, llama.url()) == null);
    assertThat(view(second).getJsonObject("scan").getLong("scans"))
        .isGreaterThanOrEqualTo(scansBefore + ScanSchedule.FORGET_AFTER_MISSED_SCANS - 1);
    assertThat(backend(second, ollama.url()).getString("health")).isEqualTo("up");
  }
}
