package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Warm-model awareness: a backend that has the model loaded is preferred, and only one request at a time loads a
 * model on a backend (the default cap), so a burst for a model loaded nowhere does not start a model swap on
 * every slot; once the model answered, requests use every slot again. When the backends with the model loaded
 * are all busy, a request waits for one of them rather than load the model on a free backend, for as long as a
 * load would take.
 */
class ColdLoadTest {

  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  static CompletableFuture<HttpResponse<String>> generate(RouterNode n, String model) {
    return CompletableFuture.supplyAsync(() -> Http.post(n.apiUrl() + "/api/generate",
        "{\"model\":\"" + model + "\",\"prompt\":\"hi\",\"stream\":false}"));
  }

  @Test
  void theBackendWithTheModelLoadedGetsTheRequest() {
    SimulatedBackend cold = cluster.sim(SimBackendOptions.ollama("llama3", "qwen"));
    SimulatedBackend warm = cluster.sim(SimBackendOptions.ollama("llama3", "qwen"));
    warm.markLoaded("qwen");
    RouterNode member = cluster.member(List.of(cold.url(), warm.url()), f -> f.put("coldLoadsPerBackend", "1"));
    await().atMost(Duration.ofSeconds(10)).until(() -> member.backends().get(warm.url())
        .map(b -> b.loadedModels().contains("qwen:latest")).orElse(false));

    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = generate(member, "qwen").join();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("X-Corral-Backend")).contains(warm.url());
    }
  }

  @Test
  void oneRequestLoadsTheModelWhileTheOthersWaitThenTheyShareEverySlot() {
    // a "load" of 600 ms before the first token, 2 slots, nothing loaded yet
    SimulatedBackend ollama = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2)
        .withFirstTokenDelay(Duration.ofMillis(600)));
    RouterNode member = cluster.member(List.of(ollama.url() + ";slots=2"), f -> {
      f.put("probeInterval", "1h");
      f.put("coldLoadsPerBackend", "1"); // the default outside tests
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> member.backends().get(ollama.url()).isPresent());

    List<CompletableFuture<HttpResponse<String>>> burst = List.of(generate(member, "llama3"),
        generate(member, "llama3"));
    burst.forEach(f -> assertThat(f.join().statusCode()).isEqualTo(200));
    assertThat(ollama.stats().maxConcurrent()).isEqualTo(1);
    assertThat(burst.stream().mapToLong(f -> Long.parseLong(f.join().headers().firstValue("X-Corral-Queue-Ms")
        .orElseThrow())).max().orElseThrow()).isGreaterThanOrEqualTo(400);

    // the model answered: this member knows it is loaded (before any probe), and both slots are used at once
    ollama.resetStats();
    List<CompletableFuture<HttpResponse<String>>> warm = List.of(generate(member, "llama3"),
        generate(member, "llama3"));
    warm.forEach(f -> assertThat(f.join().statusCode()).isEqualTo(200));
    assertThat(ollama.stats().maxConcurrent()).isEqualTo(2);
  }

  /** A busy backend with qwen loaded (its answers take {@code busyFor}) and a free one without it. */
  private record WarmAndCold(SimulatedBackend warm, SimulatedBackend cold, RouterNode member) {}

  private WarmAndCold warmAndCold(Duration busyFor, String coldWait) {
    SimulatedBackend warm = cluster.sim(SimBackendOptions.ollama("llama3", "qwen").withFirstTokenDelay(busyFor));
    SimulatedBackend cold = cluster.sim(SimBackendOptions.ollama("llama3", "qwen"));
    warm.markLoaded("qwen");
    RouterNode member = cluster.member(List.of(cold.url(), warm.url()), f -> {
      f.put("coldLoadsPerBackend", "1");
      f.put("coldWait", coldWait);
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> member.backends().get(warm.url())
        .map(b -> b.loadedModels().contains("qwen:latest")).orElse(false));
    return new WarmAndCold(warm, cold, member);
  }

  @Test
  void aRequestWaitsForTheBusyBackendWithItsModelLoadedRatherThanLoadTheModelOnAFreeOne() {
    WarmAndCold f = warmAndCold(Duration.ofMillis(500), "5s");
    CompletableFuture<HttpResponse<String>> first = generate(f.member(), "qwen");
    await().atMost(Duration.ofSeconds(5)).until(() -> f.warm().stats().processing() == 1);
    HttpResponse<String> second = generate(f.member(), "qwen").join();

    assertThat(first.join().headers().firstValue("X-Corral-Backend")).contains(f.warm().url());
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.headers().firstValue("X-Corral-Backend")).contains(f.warm().url());
    assertThat(Long.parseLong(second.headers().firstValue("X-Corral-Queue-Ms").orElseThrow()))
        .as("it waited for the first to finish").isGreaterThanOrEqualTo(200);
    assertThat(f.cold().stats().requestsStarted()).as("no model load on the free backend").isZero();
  }

  @Test
  void afterWaitingAsLongAsALoadTakesItLoadsTheModelOnTheFreeBackend() {
    WarmAndCold f = warmAndCold(Duration.ofSeconds(4), "300ms");
    CompletableFuture<HttpResponse<String>> first = generate(f.member(), "qwen");
    await().atMost(Duration.ofSeconds(5)).until(() -> f.warm().stats().processing() == 1);
    HttpResponse<String> second = generate(f.member(), "qwen").join();

    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.headers().firstValue("X-Corral-Backend")).contains(f.cold().url());
    assertThat(Long.parseLong(second.headers().firstValue("X-Corral-Queue-Ms").orElseThrow()))
        .as("held out for about the wait, not for the busy backend's 4 s").isBetween(250L, 2500L);
    assertThat(first.join().statusCode()).isEqualTo(200);
  }
}
