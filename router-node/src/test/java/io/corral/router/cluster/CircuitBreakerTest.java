package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A backend that answers 503s trips its circuit on the member that saw the failures, and every member then keeps
 * new requests away from it; after the cool-down it gets trial requests again and, recovered, serves.
 */
class CircuitBreakerTest {

  static final HttpClient HTTP = HttpClient.newHttpClient();
  static TestCluster cluster;
  static SimulatedBackend bad;
  static SimulatedBackend good;
  static RouterNode one;
  static RouterNode two;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    bad = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(4));
    good = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(4));
    // both have the model loaded: round robin then alternates (a warm backend is preferred over a cold one)
    bad.markLoaded("llama3");
    good.markLoaded("llama3");
    Consumer<Map<String, Object>> breaker = f -> {
      f.put("breakerWindow", "4");
      f.put("breakerMinimumCalls", "4");
      f.put("breakerCoolDown", "3s");
    };
    one = cluster.member(List.of(bad.url() + ";slots=4", good.url() + ";slots=4"), breaker);
    two = cluster.member(List.of(), breaker);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static HttpResponse<String> chat(RouterNode n) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(n.apiUrl() + "/api/chat")).timeout(Duration.ofSeconds(10))
        .header("X-Corral-Strategy", "round_robin")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":false}"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonObject backend(RouterNode n, String url) throws Exception {
    String body = HTTP.send(HttpRequest.newBuilder(URI.create(n.apiUrl() + "/api/cluster")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    JsonArray list = new JsonObject(body).getJsonArray("backends");
    return list.stream().map(o -> (JsonObject) o).filter(o -> o.getString("id").equals(url)).findFirst()
        .orElseThrow();
  }

  @Test
  void aBackendAnswering503sIsKeptAwayFromByEveryMemberUntilItRecovers() throws Exception {
    await().atMost(Duration.ofSeconds(15)).until(() -> backend(two, bad.url()).getString("health").equals("up")
        && backend(two, good.url()).getString("health").equals("up")
        && backend(two, bad.url()).getJsonArray("loadedModels").size() == 1
        && backend(two, good.url()).getJsonArray("loadedModels").size() == 1);
    bad.faults().failWith(503, -1);

    // requests through member two meet the failures until its breaker trips
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      chat(two);
      return backend(one, bad.url()).getString("health").equals("circuit_open");
    });
    JsonObject circuit = backend(one, bad.url()).getJsonObject("circuit");
    assertThat(circuit.getString("openedBy")).isEqualTo(two.apiUrl());
    assertThat(circuit.getString("reason")).contains("failed");

    // while open, no member sends it anything: every request lands on the healthy backend
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = chat(one);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("X-Corral-Backend")).contains(good.url());
    }

    // recovered: after the cool-down trial requests reach it again and it serves
    bad.faults().clear();
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      HttpResponse<String> r = chat(one);
      return r.statusCode() == 200 && r.headers().firstValue("X-Corral-Backend").orElse("").equals(bad.url());
    });
    assertThat(backend(two, bad.url()).getString("health")).isEqualTo("up");
  }
}
