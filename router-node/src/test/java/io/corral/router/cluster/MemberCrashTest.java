package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.ledger.LedgerSnapshot;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A member that crashes loses only its own requests: survivors free its slots and keep serving. */
class MemberCrashTest {

  static TestCluster cluster;
  static SimulatedBackend backend;
  static List<RouterNode> members;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    backend = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2).withTokensPerSecond(20)
        .withDefaultTokens(4));
    for (int i = 0; i < 3; i++) {
      cluster.member(List.of(backend.url() + ";slots=2"));
    }
    members = cluster.nodes();
    await().atMost(Duration.ofSeconds(20)).until(() -> members.stream().allMatch(m -> m.member().members().size()
        == 3));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static LedgerSnapshot ledgerVia(RouterNode n) {
    return n.ledger().snapshot().toCompletableFuture().join();
  }

  static CompletableFuture<HttpResponse<String>> generate(RouterNode via, int tokens) {
    return Http.CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(via.apiUrl() + "/api/generate"))
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"llama3\",\"prompt\":\"x\",\"stream\":false,\"options\":{\"num_predict\":" + tokens + "}}"))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theSlotsOfACrashedMemberAreFreedBySurvivorsWithinTwoSecondsAndTheyKeepServing() throws Exception {
    RouterNode doomed = members.get(2);
    // the crashed member holds both slots with long requests; survivors queue behind them
    List<CompletableFuture<HttpResponse<String>>> lost = List.of(generate(doomed, 400), generate(doomed, 400));
    await().atMost(Duration.ofSeconds(5)).until(() -> ledgerVia(members.get(0)).inFlight(backend.url()) == 2);
    List<CompletableFuture<HttpResponse<String>>> survivors = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      survivors.add(generate(members.get(i % 2), 4));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> ledgerVia(members.get(0)).queueDepth() == 4);

    String doomedId = doomed.member().localId().toString();
    long crashedAt = System.nanoTime();
    doomed.terminate();
    await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50)).until(() ->
        ledgerVia(members.get(0)).leasesByMember().keySet().stream()
            .noneMatch(m -> m.equals(doomedId)));
    long freedMillis = (System.nanoTime() - crashedAt) / 1_000_000;

    for (CompletableFuture<HttpResponse<String>> s : survivors) {
      assertThat(s.get().statusCode()).isEqualTo(200);
    }
    assertThat(lost).allSatisfy(f -> assertThat(f).failsWithin(Duration.ofSeconds(10)));
    await().atMost(Duration.ofSeconds(5)).until(() -> ledgerVia(members.get(1)).inFlight(backend.url()) == 0);
    assertThat(backend.stats().maxProcessing()).isLessThanOrEqualTo(2);
    assertThat(freedMillis).isLessThan(2_000);
  }
}
