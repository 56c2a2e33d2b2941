package io.corral.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.router.Http;
import io.corral.router.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A backend that closes a kept-alive connection instead of answering its next request (as llama-server does
 * after a stream): the request is sent again on a fresh connection, and the client never notices.
 */
class StaleConnectionTest {

  static Vertx vertx;
  static HttpServer backend;
  static final Map<HttpConnection, AtomicInteger> generatesPerConnection = new ConcurrentHashMap<>();
  static final AtomicInteger closedUnanswered = new AtomicInteger();
  static TestCluster cluster;
  static String api;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    backend = vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/api/version" -> req.response().putHeader("Content-Type", "application/json")
            .end("{\"version\":\"0.12.6\"}");
        case "/api/tags", "/api/ps" -> req.response().putHeader("Content-Type", "application/json")
            .end("{\"models\":[{\"name\":\"llama3:latest\",\"model\":\"llama3:latest\"}]}");
        case "/api/generate" -> {
          int n = generatesPerConnection.computeIfAbsent(req.connection(), c -> new AtomicInteger())
              .incrementAndGet();
          if (n > 1) {
            closedUnanswered.incrementAndGet();
            req.connection().close();
          } else {
            req.response().putHeader("Content-Type", "application/json")
                .end("{\"model\":\"llama3\",\"response\":\"hi\",\"done\":true}");
          }
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
  void aRequestOnAConnectionTheBackendClosedIsSentAgainOnAFreshOne() {
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = Http.post(api + "/api/generate",
          "{\"model\":\"llama3\",\"prompt\":\"x\",\"stream\":false}");
      assertThat(r.statusCode()).as("request %d: %s", i, r.body()).isEqualTo(200);
    }
    assertThat(closedUnanswered.get()).as("connections closed instead of answered").isPositive();
  }
}
