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
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A member told to stop (SIGTERM runs {@link RouterNode#close}) lets the streams it proxies finish, sends the
 * requests waiting on it back to their clients with a 503 to retry elsewhere, refuses new ones, and leaves the
 * cluster holding nothing; the other members go on serving.
 */
class GracefulShutdownTest {

  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  private static HttpRequest generate(RouterNode n, boolean stream) {
    return HttpRequest.newBuilder(URI.create(n.apiUrl() + "/api/generate")).timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3\",\"prompt\":\"hi\",\"stream\":" + stream
            + "}")).build();
  }

  @Test
  void aStoppingMemberFinishesItsStreamsHandsBackItsQueueAndLeaves() throws Exception {
    SimulatedBackend sim = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(1).withTokensPerSecond(20)
        .withDefaultTokens(30));
    RouterNode leaving = cluster.member(List.of(sim.url()), f -> f.put("drainTimeout", "15s"));
    RouterNode staying = cluster.member(List.of(sim.url()));
    await().atMost(Duration.ofSeconds(10)).until(() -> staying.backends().all().stream().anyMatch(b -> b.isUp()));

    CompletableFuture<HttpResponse<String>> running = Http.CLIENT.sendAsync(generate(leaving, true),
        HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> snapshot(staying).inFlight(sim.url()) == 1);
    CompletableFuture<HttpResponse<String>> queued = Http.CLIENT.sendAsync(generate(leaving, false),
        HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> snapshot(staying).queueDepth() == 1);

    Thread stopping = new Thread(leaving::close, "stopping-member");
    stopping.start();

    HttpResponse<String> sentAway = queued.get(10, TimeUnit.SECONDS);
    assertThat(sentAway.statusCode()).isEqualTo(503);
    assertThat(sentAway.headers().firstValue("Retry-After")).isPresent();
    assertThat(new JsonObject(sentAway.body()).getString("error")).contains("shutting down");
    assertThat(running.isDone()).isFalse();

    HttpResponse<String> finished = running.get(15, TimeUnit.SECONDS);
    assertThat(finished.statusCode()).isEqualTo(200);
    String[] lines = finished.body().strip().split("\n");
    assertThat(lines).hasSize(31);
    assertThat(new JsonObject(lines[lines.length - 1]).getBoolean("done")).isTrue();

    stopping.join(20_000);
    assertThat(stopping.isAlive()).isFalse();
    await().atMost(Duration.ofSeconds(10)).until(() -> staying.member().members().size() == 1);
    assertThat(Http.CLIENT.send(generate(staying, false), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(200);
    LedgerSnapshot after = snapshot(staying);
    assertThat(after.inFlight(sim.url())).isZero();
    assertThat(after.queueDepth()).isZero();
    assertThat(sim.stats().maxConcurrent()).isEqualTo(1);
  }

  private static LedgerSnapshot snapshot(RouterNode n) {
    return n.ledger().snapshot().toCompletableFuture().join();
  }
}
