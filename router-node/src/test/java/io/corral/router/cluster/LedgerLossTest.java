package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.ledger.LedgerSnapshot;
import io.corral.cluster.ledger.SlotLedger;
import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When the ledger's data is lost (here its only copy, on a member that crashed: the cluster runs without ledger
 * backups), the survivors put back the leases of the requests they still run, so nothing is granted over them and
 * the backend never sees more than its slots.
 */
class LedgerLossTest {

  private final TestCluster cluster = new TestCluster(s -> s.withLedgerBackups(0));

  @AfterEach
  void stop() {
    cluster.close();
  }

  static CompletableFuture<HttpResponse<String>> generate(RouterNode n, boolean stream) {
    return Http.CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(n.apiUrl() + "/api/generate"))
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"llama3\",\"prompt\":\"hi\",\"stream\":" + stream + "}")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static LedgerSnapshot snapshot(RouterNode n) {
    return n.ledger().snapshot().toCompletableFuture().join();
  }

  @Test
  void theSurvivorsReassertTheirRunningRequestsIntoTheRebuiltLedger() throws Exception {
    // streams of about 6 s, 2 slots: they must outlast noticing the crash, which takes longer on a busy machine
    SimulatedBackend sim = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2).withTokensPerSecond(20)
        .withDefaultTokens(120));
    RouterNode a = cluster.member(List.of(sim.url() + ";slots=2"));
    RouterNode b = cluster.member(List.of(sim.url() + ";slots=2"));
    await().atMost(Duration.ofSeconds(10)).until(() -> b.backends().all().stream().anyMatch(x -> x.isUp()));
    // the member holding the ledger's only copy crashes; the requests run through the other
    UUID owner = a.member().hazelcast().getPartitionService().getPartition(SlotLedger.DEFAULT_POOL).getOwner()
        .getUuid();
    RouterNode holder = owner.equals(a.member().localId()) ? a : b;
    RouterNode survivor = holder == a ? b : a;

    List<CompletableFuture<HttpResponse<String>>> running = List.of(generate(survivor, true),
        generate(survivor, true));
    await().atMost(Duration.ofSeconds(5)).until(() -> snapshot(survivor).inFlight(sim.url()) == 2);

    holder.terminate();
    // the rebuilt ledger counts the two running requests again
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> survivor.member().members().size() == 1
        && snapshot(survivor).inFlight(sim.url()) == 2);
    assertThat(running).noneMatch(CompletableFuture::isDone);

    // so a third request waits for one of them instead of going to the full backend
    HttpResponse<String> third = generate(survivor, false).get(30, TimeUnit.SECONDS);
    assertThat(third.statusCode()).isEqualTo(200);
    for (CompletableFuture<HttpResponse<String>> r : running) {
      assertThat(r.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    assertThat(sim.stats().maxConcurrent()).isEqualTo(2);
    await().atMost(Duration.ofSeconds(5)).until(() -> snapshot(survivor).inFlight(sim.url()) == 0);
  }
}
