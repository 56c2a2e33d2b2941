package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hedging (off by default): a request with no first byte after the hedge delay gets a second copy on another
 * backend with a free slot; the first copy to answer wins and the other is cancelled at its backend. Without a
 * free slot, or with hedging off for the model, nothing is duplicated.
 */
class HedgingTest {

  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  static HttpResponse<String> generate(RouterNode n, String model) {
    return Http.send(HttpRequest.newBuilder(URI.create(n.apiUrl() + "/api/generate"))
        .header("X-Corral-Strategy", "round_robin")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"prompt\":\"hi\",\"stream\":false}"))
        .build());
  }

  @Test
  void aSlowFirstCopyIsOvertakenByTheHedgeAndCancelled() {
    SimulatedBackend slow = cluster.sim(SimBackendOptions.ollama("llama3", "qwen"));
    SimulatedBackend fast = cluster.sim(SimBackendOptions.ollama("llama3", "qwen"));
    slow.faults().extraFirstTokenDelay(Duration.ofSeconds(5));
    // both have the models loaded, so round robin alternates (a warm backend is preferred over a cold one)
    for (SimulatedBackend s : List.of(slow, fast)) {
      s.markLoaded("llama3");
      s.markLoaded("qwen");
    }
    RouterNode member = cluster.member(List.of(slow.url(), fast.url()), f -> {
      f.put("hedgeAfter", "200ms");
      f.put("hedgeModels", List.of("llama3"));
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> member.backends().all().stream()
        .filter(b -> b.isUp() && b.loadedModels().size() == 2).count() == 2);

    int hedged = 0;
    for (int i = 0; i < 4; i++) {
      long start = System.nanoTime();
      HttpResponse<String> r = generate(member, "llama3");
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(r.body()).getBoolean("done")).isTrue();
      assertThat(r.headers().firstValue("X-Corral-Backend")).contains(fast.url());
      assertThat(tookMs).isLessThan(4_000);
      hedged += "2".equals(r.headers().firstValue("X-Corral-Attempts").orElse("")) ? 1 : 0;
    }
    assertThat(hedged).isPositive();
    // the losing copies were cancelled at the slow backend, and every slot came back
    await().atMost(Duration.ofSeconds(5)).until(() -> slow.stats().processing() == 0);
    assertThat(slow.stats().requestsCompleted()).isZero();
    await().atMost(Duration.ofSeconds(5)).until(() -> member.ledger().snapshot().toCompletableFuture().join()
        .backends().stream().allMatch(b -> b.inFlight() == 0));

    // a model that is not hedged gets one copy, wherever it goes
    HttpResponse<String> qwen = generate(member, "qwen");
    assertThat(qwen.statusCode()).isEqualTo(200);
    assertThat(qwen.headers().firstValue("X-Corral-Attempts")).contains("1");
  }
}
