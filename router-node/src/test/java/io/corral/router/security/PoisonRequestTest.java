package io.corral.router.security;

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
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17's eighth attack: a client whose requests make every backend answer 500 (images sent to a text-only model
 * on llama-server) opened every backend's circuit cluster-wide. A request that fails the same way on two backends is
 * its own fault: the client gets the error and no breaker counts it. A backend that fails on its own still opens.
 */
class PoisonRequestTest {

  static final HttpClient HTTP = HttpClient.newHttpClient();
  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  static final Consumer<Map<String, Object>> QUICK_BREAKER = f -> {
    f.put("breakerWindow", "4");
    f.put("breakerMinimumCalls", "4");
    f.put("breakerCoolDown", "30s");
  };

  /** A new conversation each time, spread round robin, so every backend gets its share. */
  static HttpResponse<String> chat(RouterNode n) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(n.apiUrl() + "/api/chat")).timeout(Duration.ofSeconds(10))
        .header("X-Corral-Strategy", "round_robin")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hi " + UUID.randomUUID() + "\"}],\"stream\":false}"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  static String health(RouterNode n, String url) throws Exception {
    String body = HTTP.send(HttpRequest.newBuilder(URI.create(n.apiUrl() + "/api/cluster")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    JsonArray list = new JsonObject(body).getJsonArray("backends");
    return list.stream().map(o -> (JsonObject) o).filter(o -> o.getString("id").equals(url))
        .map(o -> o.getString("health")).findFirst().orElse("absent");
  }

  /** A member in front of {@code sims}, each with the model loaded (so none is preferred for being warm). */
  private RouterNode memberInFrontOf(SimulatedBackend... sims) {
    for (SimulatedBackend s : sims) {
      s.markLoaded("llama3");
    }
    List<String> urls = Arrays.stream(sims).map(s -> s.url() + ";slots=4").toList();
    RouterNode n = cluster.member(urls, QUICK_BREAKER);
    await().atMost(Duration.ofSeconds(10)).until(() -> n.backends().all().stream()
        .filter(b -> b.isUp() && !b.loadedModels().isEmpty()).count() == sims.length);
    return n;
  }

  @Test
  void aRequestThatFailsOnTwoBackendsIsAnsweredWithTheErrorAndOpensNoCircuit() throws Exception {
    SimulatedBackend a = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(4));
    SimulatedBackend b = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(4));
    RouterNode n = memberInFrontOf(a, b);
    a.faults().failWith(500, -1);
    b.faults().failWith(500, -1);
    for (int i = 0; i < 12; i++) {
      HttpResponse<String> r = chat(n);
      assertThat(r.statusCode()).isEqualTo(500);
      // tried on both; the client gets the error in Ollama's shape (the second backend's own words)
      assertThat(r.headers().firstValue("X-Corral-Attempts")).contains("2");
      assertThat(new JsonObject(r.body()).getString("error")).isNotBlank();
    }
    assertThat(health(n, a.url())).isEqualTo("up");
    assertThat(health(n, b.url())).isEqualTo("up");
  }

  @Test
  void aBackendThatFailsEveryRequestWhileAnotherServesStillOpensItsCircuit() throws Exception {
    SimulatedBackend bad = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(4));
    SimulatedBackend good = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(4));
    RouterNode n = memberInFrontOf(bad, good);
    bad.faults().failWith(500, -1);
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      assertThat(chat(n).statusCode()).isEqualTo(200);
      return health(n, bad.url()).equals("circuit_open");
    });
    assertThat(health(n, good.url())).isEqualTo("up");
  }

  @Test
  void theOnlyBackendFailingARequestCountsOnlyWhenItsHealthProbeFailsToo() throws Exception {
    SimulatedBackend only = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(4));
    RouterNode n = memberInFrontOf(only);
    only.faults().failWith(500, -1);
    for (int i = 0; i < 8; i++) {
      assertThat(chat(n).statusCode()).isEqualTo(500);
    }
    // its probe finds it well: the requests were at fault, and it stays in service
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> health(n, only.url())
        .equals("up"));
  }
}
