package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A backend that fails before the first byte reached the client (refuses the connection, answers 503 or 429,
 * sends nothing in time) costs the client nothing: the request goes to another backend with its body, and the
 * answer says how many tries it took. Once the client has bytes, or when no other backend is left, the client
 * sees the failure itself.
 */
class FailoverTest {

  static final HttpClient HTTP = HttpClient.newHttpClient();
  /** Breakers that never trip here: every request must meet the fault, so the failover itself is what is seen. */
  static final Consumer<Map<String, Object>> NO_BREAKER = f -> {
    f.put("breakerMinimumCalls", "1000");
    f.put("breakerWindow", "1000");
  };

  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  static HttpResponse<String> chat(RouterNode n, String strategy) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(n.apiUrl() + "/api/chat")).timeout(Duration.ofSeconds(20))
        .header("X-Corral-Strategy", strategy)
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hi\"}],\"stream\":false}"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A member in front of {@code sims}, once it sees every one of them up. */
  private RouterNode memberFor(List<SimulatedBackend> sims, Consumer<Map<String, Object>> flags) {
    RouterNode member = cluster.member(sims.stream().map(SimulatedBackend::url).toList(), flags);
    await().atMost(Duration.ofSeconds(10)).until(() -> member.backends().all().stream().filter(b -> b.isUp())
        .count() == sims.size());
    return member;
  }

  static int attempts(HttpResponse<String> r) {
    return Integer.parseInt(r.headers().firstValue("X-Corral-Attempts").orElse("0"));
  }

  @Test
  void backendsAnswering503Or429AreSkippedAndTheClientGetsOneNormalAnswer() throws Exception {
    SimulatedBackend busy = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2));
    SimulatedBackend limited = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2));
    SimulatedBackend good = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2));
    RouterNode one = memberFor(List.of(busy, limited, good), NO_BREAKER);
    RouterNode two = cluster.member(List.of(), NO_BREAKER);
    await().atMost(Duration.ofSeconds(10)).until(() -> two.backends().all().stream().filter(b -> b.isUp())
        .count() == 3);
    busy.faults().failWith(503, -1);
    limited.faults().failWith(429, -1);

    int retried = 0;
    for (int i = 0; i < 9; i++) {
      HttpResponse<String> r = chat(i % 2 == 0 ? one : two, "round_robin");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("X-Corral-Backend")).contains(good.url());
      assertThat(new JsonObject(r.body()).getJsonObject("message").getString("content")).isNotEmpty();
      assertThat(attempts(r)).isBetween(1, 3);
      retried += attempts(r) > 1 ? 1 : 0;
    }
    assertThat(retried).isPositive();
    await().atMost(Duration.ofSeconds(2)).until(() -> good.stats().requestsCompleted() == 9);
    // every slot came back: the failed attempts' leases were released
    await().atMost(Duration.ofSeconds(5)).until(() -> one.ledger().snapshot().toCompletableFuture().join()
        .backends().stream().allMatch(b -> b.inFlight() == 0));
  }

  @Test
  void aBackendThatRefusesConnectionsOrSendsNothingInTimeIsFailedOver() throws Exception {
    SimulatedBackend gone = cluster.sim(SimBackendOptions.ollama("llama3"));
    SimulatedBackend slow = cluster.sim(SimBackendOptions.ollama("llama3"));
    SimulatedBackend good = cluster.sim(SimBackendOptions.ollama("llama3"));
    RouterNode one = memberFor(List.of(gone, slow, good), f -> {
      NO_BREAKER.accept(f);
      f.put("firstTokenTimeout", "300ms");
      f.put("probeInterval", "1h"); // the dead backend stays "up" in the shared view: only failover saves us
    });
    TestCluster.join(gone.close());
    slow.faults().extraFirstTokenDelay(Duration.ofSeconds(5));

    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = chat(one, "round_robin");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("X-Corral-Backend")).contains(good.url());
    }
    // the simulator counts a request once its answer is written out, which may be just after the client read it
    await().atMost(Duration.ofSeconds(2)).until(() -> good.stats().requestsCompleted() == 6);
  }

  @Test
  void withNoOtherBackendTheBackendsOwnAnswerReachesTheClient() throws Exception {
    SimulatedBackend only = cluster.sim(SimBackendOptions.ollama("llama3"));
    RouterNode one = memberFor(List.of(only), NO_BREAKER);
    only.faults().failWith(503, -1);

    HttpResponse<String> r = chat(one, "least_loaded");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(attempts(r)).isEqualTo(1);
    assertThat(new JsonObject(r.body()).getString("error")).isNotBlank();
  }

  @Test
  void retriesAreBoundedAndTheLastFailureIsAnsweredInTheApisShape() throws Exception {
    SimulatedBackend a = cluster.sim(SimBackendOptions.ollama("llama3"));
    SimulatedBackend b = cluster.sim(SimBackendOptions.ollama("llama3"));
    SimulatedBackend c = cluster.sim(SimBackendOptions.ollama("llama3"));
    RouterNode one = memberFor(List.of(a, b, c), f -> {
      NO_BREAKER.accept(f);
      f.put("maxRetries", "1");
    });
    for (SimulatedBackend s : List.of(a, b, c)) {
      s.faults().failWith(503, -1);
    }

    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(one.apiUrl() + "/v1/chat/completions"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(attempts(r)).isEqualTo(2);
    assertThat(new JsonObject(r.body()).getJsonObject("error").getString("message")).isNotBlank();
  }
}
