package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17's third attack: {@code DELETE /admin/backends/{id}} while a slow probe ran. The probe used to publish the
 * backend again, it kept receiving chats, and later DELETEs answered 409. Now a deleted backend stays deleted.
 */
class AdminDeleteRaceTest {

  private final Vertx vertx = Vertx.vertx();
  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() throws Exception {
    cluster.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static HttpResponse<String> call(String method, String url, String body) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
  }

  static String health(RouterNode n, String id) {
    JsonArray list = new JsonObject(Http.get(n.apiUrl() + "/api/cluster").body()).getJsonArray("backends");
    return list.stream().map(o -> (JsonObject) o).filter(o -> o.getString("id").equals(id))
        .map(o -> o.getString("health")).findFirst().orElse("absent");
  }

  @Test
  void aBackendDeletedWhileItsProbesAreSlowStaysDeleted() throws Exception {
    AtomicBoolean slow = new AtomicBoolean();
    AtomicInteger slowProbes = new AtomicInteger();
    // an Ollama whose probes take 1.5 s once slow: every member's probe is in flight when the DELETE lands
    HttpServer ollama = vertx.createHttpServer().requestHandler(req -> {
      Runnable answer = () -> {
        switch (req.path()) {
          case "/api/version" -> req.response().end("{\"version\":\"0.12.6\"}");
          case "/api/tags", "/api/ps" -> req.response().end("{\"models\":[{\"name\":\"llama3:latest\"}]}");
          default -> req.response().setStatusCode(404).end();
        }
      };
      if (slow.get()) {
        slowProbes.incrementAndGet();
        vertx.setTimer(1500, id -> answer.run());
      } else {
        answer.run();
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    String id = "http://127.0.0.1:" + ollama.actualPort();
    RouterNode a = cluster.member(List.of());
    RouterNode b = cluster.member(List.of());
    assertThat(call("POST", a.apiUrl() + "/admin/backends", "{\"url\":\"" + id + "\",\"kind\":\"ollama\"}")
        .statusCode()).isEqualTo(201);
    await().atMost(Duration.ofSeconds(10)).until(() -> health(a, id).equals("up") && health(b, id).equals("up"));

    slow.set(true);
    await().atMost(Duration.ofSeconds(5)).until(() -> slowProbes.get() >= 2);
    assertThat(call("DELETE", b.apiUrl() + "/admin/backends/127.0.0.1:" + ollama.actualPort(), null).statusCode())
        .isEqualTo(200);
    // the probes in flight end after the delete (each takes a few slow answers): nothing comes back, ever
    await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8))
        .until(() -> health(a, id).equals("absent") && health(b, id).equals("absent"));
    assertThat(call("DELETE", a.apiUrl() + "/admin/backends/127.0.0.1:" + ollama.actualPort(), null).statusCode())
        .isEqualTo(404);
  }
}
