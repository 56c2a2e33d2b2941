package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.backends.BackendState;
import io.corral.cluster.events.ClusterEvent;
import io.corral.cluster.events.EventStream;
import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Capacity and models are not fixed at start: every member sees a llama-server that came back with more slots,
 * and an Ollama whose loaded models changed, within a probe interval.
 */
class CapacityRefreshTest {

  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void aLlamaServerRestartedWithMoreSlotsIsUsedWithItsNewCapacityEverywhere() {
    SimulatedBackend before = cluster.sim(SimBackendOptions.llamaServer("qwen").withSlots(1));
    int port = before.port();
    String id = before.url();
    RouterNode a = cluster.member(List.of(id));
    RouterNode b = cluster.member(List.of());
    await().atMost(Duration.ofSeconds(10)).until(() -> slots(b, id) == 1);

    TestCluster.join(before.close());
    SimulatedBackend after = cluster.sim(SimBackendOptions.llamaServer("qwen").withSlots(3), port);

    await().atMost(Duration.ofSeconds(10)).until(() -> slots(a, id) == 3 && slots(b, id) == 3
        && b.backends().get(id).map(BackendState::isUp).orElse(false));
    // the cluster-wide ledger follows, so three requests at once may run there
    await().atMost(Duration.ofSeconds(10)).until(() -> a.ledger().snapshot().toCompletableFuture().join()
        .backends().stream().anyMatch(l -> l.backendId().equals(id) && l.slots() == 3 && l.available()));
    assertThat(after.url()).isEqualTo(id);
  }

  @Test
  void anOllamaThatLoadedAModelShowsItAsLoadedOnEveryMember() {
    SimulatedBackend ollama = cluster.sim(SimBackendOptions.ollama("llama3", "qwen"));
    RouterNode a = cluster.member(List.of(ollama.url()));
    RouterNode b = cluster.member(List.of());
    List<ClusterEvent> seen = new CopyOnWriteArrayList<>();
    new EventStream(b.member().hazelcast(), b.apiUrl(), InstantSource.system()).subscribe(seen::add);
    await().atMost(Duration.ofSeconds(10)).until(() -> b.backends().get(ollama.url()).isPresent());
    assertThat(b.backends().get(ollama.url()).orElseThrow().loadedModels()).isEmpty();

    HttpResponse<String> r = Http.post(b.apiUrl() + "/api/generate",
        "{\"model\":\"qwen\",\"prompt\":\"hi\",\"stream\":false}");
    assertThat(r.statusCode()).isEqualTo(200);

    await().atMost(Duration.ofSeconds(10)).until(() -> a.backends().get(ollama.url()).orElseThrow()
        .loadedModels().contains("qwen:latest") && b.backends().get(ollama.url()).orElseThrow().loadedModels()
        .contains("qwen:latest"));
    // and says so on the event stream, which the dashboard shows
    await().atMost(Duration.ofSeconds(5)).until(() -> seen.stream().anyMatch(e -> e.type().equals("model_loaded")
        && e.subject().equals(ollama.url()) && e.detail().equals("qwen:latest")));
  }

  private static int slots(RouterNode n, String id) {
    return n.backends().get(id).map(BackendState::slots).orElse(0);
  }
}
