package io.corral.router.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.backends.BackendHealth;
import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17's second group of attacks: backends turned against the fleet. A backend added at runtime must lie in the
 * allowed ranges (also when named by a host name that resolves elsewhere), and what any backend answers is read up
 * to a cap: one that answers {@code /api/tags} without end is marked down, and the member keeps serving.
 */
class UntrustedBackendsTest {

  private final Vertx vertx = Vertx.vertx();
  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() throws Exception {
    cluster.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static HttpResponse<String> post(String url, String body) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aRuntimeBackendOutsideTheAllowedRangesIsRefusedAlsoByANameThatResolvesOutside() throws Exception {
    SimulatedBackend configured = cluster.sim(SimBackendOptions.ollama("llama3"));
    SimulatedBackend other = cluster.sim(SimBackendOptions.ollama("llama3"));
    // only 127.0.0.2 may hold runtime backends; the operator's own list is taken as given
    RouterNode n = cluster.member(List.of(configured.url()), f -> f.put("backendAllow", "127.0.0.2/32"));
    await().atMost(Duration.ofSeconds(10)).until(() -> n.backends().all().stream().anyMatch(b -> b.isUp()));
    int port = Integer.parseInt(other.url().substring(other.url().lastIndexOf(':') + 1));

    HttpResponse<String> byAddress = post(n.apiUrl() + "/admin/backends", "{\"url\":\"http://127.0.0.1:" + port
        + "\"}");
    assertThat(byAddress.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(byAddress.body()).getString("error")).contains("outside the allowed ranges",
        "127.0.0.2/32");
    HttpResponse<String> byName = post(n.apiUrl() + "/admin/backends", "{\"url\":\"http://localhost:" + port + "\"}");
    assertThat(byName.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(byName.body()).getString("error")).contains("resolves to 127.0.0.1");
    assertThat(post(n.apiUrl() + "/admin/backends", "{\"url\":\"http://127.0.0.2:" + port + "\"}").statusCode())
        .isEqualTo(201);
    assertThat(other.stats().requestsStarted()).as("nothing reached the refused backend").isZero();
    // the configured backend still serves
    assertThat(Http.post(n.apiUrl() + "/api/generate", "{\"model\":\"llama3\",\"prompt\":\"hi\",\"stream\":false}")
        .statusCode()).isEqualTo(200);
  }

  @Test
  void aBackendThatAnswersItsModelListWithoutEndIsCutOffAndMarkedDown() throws Exception {
    AtomicLong sent = new AtomicLong();
    // an "Ollama" whose /api/tags never ends: 64 KiB chunks as fast as corral reads them
    HttpServer endless = vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/api/version" -> req.response().end("{\"version\":\"0.12.6\"}");
        case "/api/tags", "/api/ps" -> {
          HttpServerResponse resp = req.response().setChunked(true);
          resp.write("{\"models\":[");
          Buffer chunk = Buffer.buffer("{\"name\":\"" + "x".repeat(65_000) + "\"},");
          // one chunk per turn of the event loop: a loop that writes until the queue is full never lets the loop
          // learn that it is full (or that corral hung up), and piles the "sent" bytes up in memory instead
          Runnable[] more = new Runnable[1];
          more[0] = () -> {
            if (resp.closed()) {
              return;
            }
            resp.write(chunk);
            sent.addAndGet(chunk.length());
            if (resp.writeQueueFull()) {
              resp.drainHandler(v -> more[0].run());
            } else {
              vertx.runOnContext(v -> more[0].run());
            }
          };
          more[0].run();
        }
        default -> req.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    SimulatedBackend good = cluster.sim(SimBackendOptions.ollama("llama3"));
    String bad = "http://127.0.0.1:" + endless.actualPort();
    RouterNode n = cluster.member(List.of(good.url(), bad + ";kind=ollama"));

    await().atMost(Duration.ofSeconds(15)).until(() -> n.backends().get(bad)
        .filter(b -> b.health() == BackendHealth.DOWN && b.lastError().contains("answered more than")).isPresent());
    // it stopped reading: far less than 400 MB crossed, and the member still answers and routes
    assertThat(sent.get()).isLessThan(64L << 20);
    assertThat(Http.get(n.apiUrl() + "/api/tags").statusCode()).isEqualTo(200);
    assertThat(Http.post(n.apiUrl() + "/api/generate", "{\"model\":\"llama3\",\"prompt\":\"hi\",\"stream\":false}")
        .statusCode()).isEqualTo(200);
  }
}
