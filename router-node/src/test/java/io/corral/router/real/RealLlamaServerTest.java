package io.corral.router.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A member in front of a real llama.cpp {@code llama-server} (the packages in {@code shared/real-backends},
 * unpacked into target/ without touching the system, running a tiny generated model). Skips where they cannot
 * be installed.
 */
class RealLlamaServerTest {

  static Process llama;
  static TestCluster cluster;
  static String api;
  static String llamaUrl;

  @BeforeAll
  static void start() throws Exception {
    RealBackends real = RealBackends.installOrSkip();
    int port = RealBackends.freeLoopbackPort();
    llama = real.llamaServer(port, "llama-server.log", "-np", "2");
    llamaUrl = "http://127.0.0.1:" + port;
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> Http.get(llamaUrl + "/health").statusCode() == 200);

    cluster = new TestCluster();
    RouterNode member = cluster.member(List.of(llamaUrl));
    api = member.apiUrl();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (cluster != null) {
      cluster.close();
    }
    RealBackends.stop(llama);
  }

  @Test
  void theRealServerIsFingerprintedWithItsOwnSlotCountAndModel() {
    JsonObject backend = new JsonObject(Http.get(api + "/api/cluster").body()).getJsonArray("backends")
        .getJsonObject(0);
    assertThat(backend.getString("id")).isEqualTo(llamaUrl);
    assertThat(backend.getString("kind")).isEqualTo("llama-server");
    assertThat(backend.getString("health")).isEqualTo("up");
    assertThat(backend.getInteger("slots")).isEqualTo(2);
    assertThat(backend.getBoolean("slotsReported")).isTrue();
    assertThat(backend.getJsonArray("models").getList()).contains("tiny-llama:latest");
  }

  @Test
  void chatCompletionsStreamFromTheRealServerThroughTheMember() {
    HttpResponse<String> r = Http.post(api + "/v1/chat/completions", "{\"model\":\"tiny-llama\",\"stream\":true,"
        + "\"max_tokens\":12,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
    List<String> events = r.body().lines().filter(l -> l.startsWith("data: ")).toList();
    assertThat(events).hasSizeGreaterThan(2);
    assertThat(events.get(events.size() - 1)).isEqualTo("data: [DONE]");

    HttpResponse<String> once = Http.post(api + "/v1/chat/completions", "{\"model\":\"tiny-llama\","
        + "\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
    assertThat(once.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(once.body()).getJsonArray("choices")).hasSize(1);
  }

  @Test
  void theOllamaApiIsNotSentToALlamaServer() {
    HttpResponse<String> r = Http.post(api + "/api/chat", "{\"model\":\"tiny-llama\",\"messages\":[]}");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(r.body()).getString("error")).contains("/v1/");
  }

}
