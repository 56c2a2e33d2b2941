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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * corral's own request headers are for corral: the backend never sees them. Clients' credentials reach only a
 * backend configured with {@code ;forward-auth}, and a backend's own CORS headers never reach the client.
 */
class HeaderStrippingTest {

  static Vertx vertx;
  /** The headers of the last generate call, by model (each backend serves one model). */
  static final Map<String, MultiMap> seen = new ConcurrentHashMap<>();
  static TestCluster cluster;
  static String api;

  /** A minimal Ollama serving {@code model} that remembers generate headers and sends its own CORS headers. */
  static HttpServer ollama(String model) throws Exception {
    return vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/api/version" -> req.response().putHeader("Content-Type", "application/json")
            .end("{\"version\":\"0.12.6\"}");
        case "/api/tags", "/api/ps" -> req.response().putHeader("Content-Type", "application/json")
            .end("{\"models\":[{\"name\":\"" + model + ":latest\",\"model\":\"" + model + ":latest\"}]}");
        case "/api/generate" -> {
          seen.put(model, MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
          req.response().putHeader("Content-Type", "application/json")
              .putHeader("Access-Control-Allow-Origin", "*").putHeader("Access-Control-Allow-Credentials", "true")
              .end("{\"model\":\"" + model + "\",\"response\":\"hi\",\"done\":true}");
        }
        default -> req.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    HttpServer plain = ollama("llama3");
    HttpServer checksAuth = ollama("private");
    cluster = new TestCluster();
    api = cluster.member(List.of("http://127.0.0.1:" + plain.actualPort(),
        "http://127.0.0.1:" + checksAuth.actualPort() + ";forward-auth")).apiUrl();
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static HttpResponse<String> generate(String model) {
    return Http.send(HttpRequest.newBuilder(URI.create(api + "/api/generate"))
        .header("X-Priority", "9").header("X-Corral-Strategy", "random").header("X-Corral-App", "notes")
        .header("X-Corral-Session", "user-42").header("X-Request-Id", "abc-123")
        .header("Authorization", "Bearer app-key").header("Cookie", "session=s3cret")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"prompt\":\"x\",\"stream\":false}"))
        .build());
  }

  @Test
  void priorityStrategyAndOtherCorralHeadersAreStrippedAndTheRequestIdIsPassedOn() {
    assertThat(generate("llama3").statusCode()).isEqualTo(200);
    MultiMap h = seen.get("llama3");
    assertThat(h.names()).noneMatch(n -> n.toLowerCase().startsWith("x-corral-"));
    assertThat(h.get("X-Priority")).isNull();
    assertThat(h.get("X-Request-Id")).isEqualTo("abc-123");
  }

  @Test
  void clientCredentialsReachOnlyABackendConfiguredToCheckThem() {
    assertThat(generate("llama3").statusCode()).isEqualTo(200);
    assertThat(seen.get("llama3").get("Authorization")).isNull();
    assertThat(seen.get("llama3").get("Cookie")).isNull();
    assertThat(generate("private").statusCode()).isEqualTo(200);
    assertThat(seen.get("private").get("Authorization")).isEqualTo("Bearer app-key");
    assertThat(seen.get("private").get("Cookie")).isEqualTo("session=s3cret");
  }

  @Test
  void aBackendsOwnCorsHeadersNeverReachTheClient() {
    HttpResponse<String> r = generate("llama3");
    assertThat(r.headers().allValues("Access-Control-Allow-Origin")).isEmpty();
    assertThat(r.headers().allValues("Access-Control-Allow-Credentials")).isEmpty();
  }
}
