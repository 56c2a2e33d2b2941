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
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The queue is bounded in depth (429) and in wait (503), both with Retry-After, in each API's shape. */
class QueueBoundsTest {

  static TestCluster cluster;
  static SimulatedBackend slow;
  static RouterNode member;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    slow = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(1).withTokensPerSecond(10).withDefaultTokens(30));
    member = cluster.member(List.of(slow.url()), f -> {
      f.put("queueMaxDepth", "1");
      f.put("queueMaxWait", "1500ms");
    });
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static CompletableFuture<HttpResponse<String>> send(String path, String body) {
    return Http.CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(member.apiUrl() + path))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void overTheDepthBoundIs429AndOverTheWaitBoundIs503() throws Exception {
    CompletableFuture<HttpResponse<String>> running = send("/api/generate", "{\"model\":\"llama3\",\"prompt\":\"x\"}");
    await().atMost(Duration.ofSeconds(5)).until(() -> slow.stats().processing() == 1);
    CompletableFuture<HttpResponse<String>> queued = send("/v1/completions", "{\"model\":\"llama3\",\"prompt\":\"x\"}");
    await().atMost(Duration.ofSeconds(5)).until(() ->
        member.ledger().snapshot().toCompletableFuture().join().queueDepth() == 1);

    HttpResponse<String> full = send("/api/chat", "{\"model\":\"llama3\",\"messages\":[]}").get();
    assertThat(full.statusCode()).isEqualTo(429);
    assertThat(full.headers().firstValue("Retry-After")).isPresent();
    assertThat(new JsonObject(full.body()).getString("error")).contains("queue is full");

    HttpResponse<String> timedOut = queued.get();
    assertThat(timedOut.statusCode()).isEqualTo(503);
    assertThat(timedOut.headers().firstValue("Retry-After")).isPresent();
    JsonObject error = new JsonObject(timedOut.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("queue_timeout");
    assertThat(error.getString("type")).isEqualTo("service_unavailable_error");
    assertThat(Long.parseLong(timedOut.headers().firstValue("X-Corral-Queue-Ms").orElseThrow())).isGreaterThan(1000);

    assertThat(running.get().statusCode()).isEqualTo(200);
    assertThat(member.ledger().snapshot().toCompletableFuture().join().queueDepth()).isZero();
  }
}
