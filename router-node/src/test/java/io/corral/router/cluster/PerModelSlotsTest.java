package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.ledger.LedgerSnapshot;
import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An Ollama runs {@code OLLAMA_NUM_PARALLEL} requests per loaded model and queues the excess of a model silently
 * even when it has room for more requests of other models. With {@code model-slots} the cluster never sends one
 * model more than that, counted across members, while requests for other models still use the backend's other
 * slots. The simulator enforces the same per-model limit and counts what it was sent.
 */
class PerModelSlotsTest {

  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  private static CompletableFuture<HttpResponse<String>> generate(RouterNode n, String model) {
    return CompletableFuture.supplyAsync(() -> Http.post(n.apiUrl() + "/api/generate",
        "{\"model\":\"" + model + "\",\"prompt\":\"hi\",\"stream\":false}"));
  }

  private static long queueMs(HttpResponse<String> r) {
    return Long.parseLong(r.headers().firstValue("X-Corral-Queue-Ms").orElseThrow());
  }

  @Test
  void oneModelNeverGetsMoreThanItsSlotsAndDoesNotHoldUpTheOtherModels() {
    // three slots over all models, one per model; each answer takes 1 s
    SimulatedBackend ollama = cluster.sim(SimBackendOptions.ollama("llama3", "qwen").withSlots(3).withModelSlots(1)
        .withFirstTokenDelay(Duration.ofSeconds(1)));
    String backend = ollama.url() + ";slots=3;model-slots=1";
    RouterNode a = cluster.member(List.of(backend));
    RouterNode b = cluster.member(List.of(backend));
    await().atMost(Duration.ofSeconds(15)).until(() -> a.ledger().snapshot().toCompletableFuture().join()
        .backends().stream().anyMatch(l -> l.modelSlots() == 1 && l.slots() == 3 && l.available()));
    JsonObject shown = new JsonObject(Http.get(b.apiUrl() + "/api/cluster").body())
        .getJsonArray("backends").getJsonObject(0);
    assertThat(shown.getInteger("slots")).isEqualTo(3);
    assertThat(shown.getInteger("modelSlots")).isEqualTo(1);

    List<CompletableFuture<HttpResponse<String>>> llama = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      llama.add(generate(i % 2 == 0 ? a : b, "llama3"));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> a.ledger().snapshot().toCompletableFuture().join()
        .queueDepth() == 2);
    LedgerSnapshot.BackendLoad load = a.ledger().snapshot().toCompletableFuture().join().backends().get(0);
    assertThat(load.inFlightByModel()).containsEntry("llama3:latest", 1);
    await().atMost(Duration.ofSeconds(5)).until(() -> Http.get(b.apiUrl() + "/metrics").body().contains(
        "corral_cluster_backend_model_in_flight{backend=\"" + ollama.url() + "\",model=\"llama3:latest\"} 1.0"));
    assertThat(Http.get(b.apiUrl() + "/metrics").body())
        .contains("corral_cluster_backend_model_slots{backend=\"" + ollama.url() + "\"} 1.0");

    // the two llama3 requests that wait do not keep qwen off the backend's free slots
    List<CompletableFuture<HttpResponse<String>>> qwen = List.of(generate(b, "qwen"), generate(a, "qwen"));

    List<HttpResponse<String>> all = new ArrayList<>();
    llama.forEach(f -> all.add(f.join()));
    qwen.forEach(f -> all.add(f.join()));
    assertThat(all).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
    assertThat(ollama.maxConcurrentByModel()).containsEntry("llama3:latest", 1).containsEntry("qwen:latest", 1);
    assertThat(llama.stream().mapToLong(f -> queueMs(f.join())).max().orElseThrow())
        .as("the last llama3 request waited for the two before it").isGreaterThanOrEqualTo(1500);
    assertThat(qwen.stream().mapToLong(f -> queueMs(f.join())).min().orElseThrow())
        .as("a qwen request started while llama3 ones waited").isLessThan(500);
    await().atMost(Duration.ofSeconds(5)).until(() -> a.ledger().snapshot().toCompletableFuture().join()
        .inFlight(ollama.url()) == 0);
  }
}
