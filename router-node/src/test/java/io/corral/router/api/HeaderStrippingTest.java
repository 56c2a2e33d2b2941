package io.corral.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.router.Http;
import io.corral.router.TestCluster;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** corral's own request headers are for corral: the backend never sees them. */
class HeaderStrippingTest {

  static Vertx vertx;
  static HttpServer backend;
  static final AtomicReference<MultiMap> seen = new AtomicReference<>();
  static TestCluster cluster;
  static String api;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    // a minimal Ollama that remembers the headers of the last generate call
    backend = vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/api/version" -> req.response().putHeader("Content-Type", "application/json")
            .end("{\"version\":\"0.12.6\"}");
        case "/api/tags", "/api/ps" -> req.response().putHeader("Content-Type", "application/json")
            .end("{\"models\":[{\"name\":\"llama3:latest\",\"model\":\"llama3:latest\"}]}");
        case "/api/generate" -> {
          seen.set(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
          req.response().putHeader("Content-Type", "application/json")
              .end("{\"model\":\"llama3\",\"response\":\"hi\",\"done\":true}");
        }
        default -> req.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    cluster = new TestCluster();
    api = cluster.member(List.of("http://127.0.0.1:" + backend.actualPort())).apiUrl();
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void priorityStrategyAndOtherCorralHeadersAreStrippedAndTheRequestIdIsPassedOn() {
    HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(api + "/api/generate"))
        .header("X-Priority", "9").header("X-Corral-Strategy", "random").header("X-Corral-App", "notes")
        .header("X-Corral-Session", "user-42")
        .header("X-Request-Id", "abc-123").header("Authorization", "Bearer kept")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3\",\"prompt\":\"x\",\"stream\":false}"))
        .build());
    assertThat(r.statusCode()).isEqualTo(200);
    MultiMap h = seen.get();
    assertThat(h.names()).noneMatch(n -> n.toLowerCase().startsWith("x-corral-"));
    assertThat(h.get("X-Priority")).isNull();
    assertThat(h.get("X-Request-Id")).isEqualTo("abc-123");
    assertThat(h.get("Authorization")).isEqualTo("Bearer kept");
  }
}
