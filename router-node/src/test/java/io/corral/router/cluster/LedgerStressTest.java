package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Many short requests through three members with the queue always busy: thousands of releases, grants and
 * grant notices race each other. The backends' own count of requests present (running or waiting inside them)
 * must never exceed their slots.
 */
class LedgerStressTest {

  static TestCluster cluster;
  static List<SimulatedBackend> fleet = new ArrayList<>();
  static List<RouterNode> members;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    List<String> urls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      SimulatedBackend b = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2).withTokensPerSecond(400)
          .withDefaultTokens(4));
      fleet.add(b);
      urls.add(b.url() + ";slots=2");
    }
    for (int i = 0; i < 3; i++) {
      cluster.member(urls);
    }
    members = cluster.nodes();
    await().atMost(Duration.ofSeconds(20)).until(() -> members.stream()
        .allMatch(m -> m.member().members().size() == 3));
    await().atMost(Duration.ofSeconds(10)).until(() -> members.get(0).ledger().snapshot().toCompletableFuture()
        .join().backends().stream().filter(b -> b.slots() == 2 && b.available()).count() == 4);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void underSustainedOverloadNoBackendEverHoldsMoreRequestsThanItsSlots() throws Exception {
    fleet.forEach(SimulatedBackend::resetStats);
    int total = 1500;
    Semaphore inFlight = new Semaphore(24);
    List<CompletableFuture<Integer>> calls = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      inFlight.acquire();
      HttpRequest r = HttpRequest.newBuilder(URI.create(members.get(i % 3).apiUrl() + "/api/chat"))
          .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(
              "{\"model\":\"llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build();
      calls.add(Http.CLIENT.sendAsync(r, HttpResponse.BodyHandlers.ofString())
          .whenComplete((resp, err) -> inFlight.release()).thenApply(HttpResponse::statusCode));
    }
    assertThat(calls.stream().map(CompletableFuture::join).toList()).containsOnly(200);
    for (SimulatedBackend b : fleet) {
      assertThat(b.stats().maxConcurrent()).as("requests present at %s", b.url()).isLessThanOrEqualTo(2);
    }
    // a backend counts a request completed just after its last byte, so the last count may trail the client
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(fleet.stream().mapToLong(b -> b.stats().requestsCompleted()).sum()).isEqualTo(total));
  }
}
