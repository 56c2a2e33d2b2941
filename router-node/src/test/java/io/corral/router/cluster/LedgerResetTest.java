package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.map.IMap;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ledger entry wiped while every slot is busy (issue 16's attack: a map cleared under a running cluster). The
 * ledger made next is a new incarnation that grants nothing until the members have put back their running leases,
 * so no backend ever runs more than its slots, and the leases are back within 2 s.
 */
class LedgerResetTest {

  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  static CompletableFuture<HttpResponse<String>> generate(RouterNode n, boolean stream) {
    return Http.CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(n.apiUrl() + "/api/generate"))
        .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"llama3\",\"prompt\":\"hi\",\"stream\":" + stream + "}")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static LedgerSnapshot snapshot(RouterNode n) {
    return n.ledger().snapshot().toCompletableFuture().join();
  }

  static int inFlight(RouterNode n, List<SimulatedBackend> sims) {
    LedgerSnapshot s = snapshot(n);
    return sims.stream().mapToInt(b -> s.inFlight(b.url())).sum();
  }

  private void wipeWhileSixSlotsAreBusy(Consumer<IMap<Object, Object>> wipe) throws Exception {
    List<SimulatedBackend> sims = new ArrayList<>();
    List<String> urls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      // streams of about 5 s, 2 slots each
      SimulatedBackend sim = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2).withTokensPerSecond(20)
          .withDefaultTokens(100));
      sims.add(sim);
      urls.add(sim.url() + ";slots=2");
    }
    RouterNode a = cluster.member(urls);
    RouterNode b = cluster.member(urls);
    await().atMost(Duration.ofSeconds(10)).until(() -> a.backends().all().stream().filter(x -> x.isUp()).count() == 3
        && b.backends().all().stream().filter(x -> x.isUp()).count() == 3);
    List<CompletableFuture<HttpResponse<String>>> running = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      running.add(generate(i % 2 == 0 ? a : b, true));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> inFlight(a, sims) == 6);
    String before = snapshot(a).incarnation();

    wipe.accept(a.member().hazelcast().getMap(SlotLedger.MAP_NAME));
    // six more at once, while the ledger is rebuilt: each must wait for a running one to end
    List<CompletableFuture<HttpResponse<String>>> more = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      more.add(generate(i % 2 == 0 ? b : a, false));
    }
    long wiped = System.nanoTime();
    await().atMost(Duration.ofSeconds(2)).ignoreExceptions().until(() -> inFlight(a, sims) == 6
        && !snapshot(a).incarnation().equals(before) && !snapshot(a).rebuilding());
    long backMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - wiped);
    assertThat(running).noneMatch(CompletableFuture::isDone);

    for (CompletableFuture<HttpResponse<String>> r : running) {
      assertThat(r.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    for (CompletableFuture<HttpResponse<String>> r : more) {
      assertThat(r.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    // the simulators' own count: never more than their 2 slots at once
    for (SimulatedBackend sim : sims) {
      assertThat(sim.stats().maxConcurrent()).as(sim.url()).isLessThanOrEqualTo(2);
    }
    assertThat(backMs).as("leases back in the ledger").isLessThan(2000);
    await().atMost(Duration.ofSeconds(5)).until(() -> inFlight(a, sims) == 0);
  }

  @Test
  void theLedgerMapClearedWhileEverySlotIsBusyOverSubscribesNothing() throws Exception {
    wipeWhileSixSlotsAreBusy(IMap::clear);
  }

  @Test
  void theLedgerEntryRemovedWhileEverySlotIsBusyOverSubscribesNothing() throws Exception {
    wipeWhileSixSlotsAreBusy(m -> m.delete(SlotLedger.DEFAULT_POOL));
  }
}
