package io.corral.router.api;

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
 * Some servers (vLLM and others built on FastAPI/Starlette) send status and headers as soon as a request starts,
 * long before the first token. For corral such an answer has not begun until its first body byte: the prompt may
 * take the whole first-token timeout, a failure before the first byte still fails over (hedged or not), and an
 * error corral answers itself carries none of the backend's headers.
 */
class HeadersFirstBackendTest {

  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  static HttpResponse<String> streamChat(RouterNode n, String strategy) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(n.apiUrl() + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(15)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"llama3\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
    if (strategy != null) {
      b.header("X-Corral-Strategy", strategy);
    }
    return Http.send(b.build());
  }

  static SimulatedBackend headersFirst(TestCluster cluster, Duration firstToken) {
    SimulatedBackend b = cluster.sim(SimBackendOptions.ollama("llama3").withFirstTokenDelay(firstToken));
    b.markLoaded("llama3");
    b.faults().headersFirst(true);
    return b;
  }

  static void awaitUp(RouterNode member, int backends) {
    await().atMost(Duration.ofSeconds(10)).until(() -> member.backends().all().stream().filter(
        io.corral.cluster.backends.BackendState::isUp).count() == backends);
  }

  @Test
  void aLongPromptBeforeTheFirstTokenIsBoundByTheFirstTokenTimeoutNotTheIdleTimeout() {
    SimulatedBackend slowPrompt = headersFirst(cluster, Duration.ofMillis(1500));
    RouterNode member = cluster.member(List.of(slowPrompt.url()), f -> {
      f.put("idleTimeout", "300ms");
      f.put("firstTokenTimeout", "10s");
    });
    awaitUp(member, 1);

    HttpResponse<String> r = streamChat(member, null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("data: [DONE]");
    assertThat(slowPrompt.stats().requestsCompleted()).isEqualTo(1);
  }

  @Test
  void aBackendThatBreaksAfterItsHeadersGetsAClean502InTheApisShape() {
    SimulatedBackend breaks = cluster.sim(SimBackendOptions.llamaServer("llama3")
        .withFirstTokenDelay(Duration.ofMillis(50)));
    breaks.faults().headersFirst(true).resetAfterChunks(0);
    RouterNode member = cluster.member(List.of(breaks.url()));
    awaitUp(member, 1);

    HttpResponse<String> r = streamChat(member, null);

    // none of the backend's headers (its SSE Content-Type, its X-Accel-Buffering) leak into corral's error
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    assertThat(r.headers().firstValue("X-Accel-Buffering")).isEmpty();
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getString("message")).contains("broke off");
    await().atMost(Duration.ofSeconds(5)).until(() -> member.ledger().snapshot().toCompletableFuture().join()
        .backends().stream().allMatch(b -> b.inFlight() == 0));
  }

  @Test
  void withHedgingOnABackendThatBreaksAfterItsHeadersStillFailsOverAndTheClientIsAnswered() {
    SimulatedBackend breaks = headersFirst(cluster, Duration.ofMillis(50));
    breaks.faults().resetAfterChunks(0);
    SimulatedBackend healthy = cluster.sim(SimBackendOptions.ollama("llama3"));
    healthy.markLoaded("llama3");
    RouterNode member = cluster.member(List.of(breaks.url(), healthy.url()), f -> f.put("hedgeAfter", "5s"));
    awaitUp(member, 2);

    int failedOver = 0;
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = streamChat(member, "round_robin");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("data: [DONE]");
      assertThat(r.headers().firstValue("X-Corral-Backend")).contains(healthy.url());
      failedOver += "2".equals(r.headers().firstValue("X-Corral-Attempts").orElse("")) ? 1 : 0;
    }
    // round robin sent some first copies to the breaking backend: those are the ones that failed over
    assertThat(failedOver).isPositive();
    assertThat(breaks.stats().requestsCompleted()).isZero();
  }
}
