package io.corral.router.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.backends.BackendState;
import io.corral.cluster.backends.ModelNames;
import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the usual clients do that a router must take as Ollama and llama-server do: curl's form label on JSON,
 * embeddings on a fleet where not every server embeds, model lookups by id, HEAD as a liveness check.
 */
class ClientCompatibilityTest {

  static TestCluster cluster;
  static SimulatedBackend ollama;
  static SimulatedBackend llama;
  static RouterNode member;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    ollama = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2));
    ollama.markLoaded("llama3");
    // a llama-server started without --embeddings answers 501 to /v1/embeddings, as the real one does
    llama = cluster.sim(SimBackendOptions.llamaServer("llama3").withSlots(2));
    member = cluster.member(List.of(ollama.url(), llama.url()));
    await().atMost(Duration.ofSeconds(10)).until(() -> member.backends().all().stream()
        .filter(BackendState::isUp).count() == 2);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static HttpResponse<String> post(String path, String contentType, String body, String strategy) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(member.apiUrl() + path))
        .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
    if (strategy != null) {
      b.header("X-Corral-Strategy", strategy);
    }
    return Http.send(b.build());
  }

  @Test
  void jsonLabelledAsAFormByCurlDashDIsReadAsJsonWhateverItsLengthOrPercentSigns() {
    String question = "am I 100% sure? " + "x".repeat(2000);
    for (String path : List.of("/api/chat", "/v1/chat/completions")) {
      HttpResponse<String> r = post(path, "application/x-www-form-urlencoded", new JsonObject().put("model", "llama3")
          .put("stream", false).put("messages", new JsonArray().add(new JsonObject().put("role", "user")
              .put("content", question))).encode(), null);
      assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
    }
  }

  @Test
  void embeddingsGoOnlyToBackendsThatImplementThemAndTheOthersStayHealthyForChat() {
    for (int i = 0; i < 6; i++) {
      HttpResponse<String> r = post("/v1/embeddings", "application/json",
          "{\"model\":\"llama3\",\"input\":\"hi\"}", "round_robin");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(r.headers().firstValue("X-Corral-Backend")).contains(ollama.url());
    }
    // the llama-server's 501 did not count against it: chat still reaches it
    boolean llamaServedChat = false;
    for (int i = 0; i < 4 && !llamaServedChat; i++) {
      HttpResponse<String> chat = post("/v1/chat/completions", "application/json", "{\"model\":\"llama3\","
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "round_robin");
      assertThat(chat.statusCode()).isEqualTo(200);
      llamaServedChat = chat.headers().firstValue("X-Corral-Backend").orElse("").equals(llama.url());
    }
    assertThat(llamaServedChat).isTrue();
  }

  @Test
  void theModelListHasEachModelOnceAndEachCanBeLookedUpById() {
    JsonArray data = new JsonObject(Http.get(member.apiUrl() + "/v1/models").body()).getJsonArray("data");
    long llama3 = data.stream().map(o -> ((JsonObject) o).getString("id"))
        .filter(id -> ModelNames.normalize(id).equals("llama3:latest")).count();
    assertThat(llama3).as(data.encode()).isEqualTo(1);

    HttpResponse<String> one = Http.get(member.apiUrl() + "/v1/models/llama3");
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(ModelNames.normalize(new JsonObject(one.body()).getString("id"))).isEqualTo("llama3:latest");
    HttpResponse<String> none = Http.get(member.apiUrl() + "/v1/models/no-such-model");
    assertThat(none.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(none.body()).getJsonObject("error").getString("code")).isEqualTo("model_not_found");
  }

  @Test
  void headOnTheModelListAndTheVersionAnswers200LikeOllama() {
    for (String path : List.of("/api/tags", "/api/version", "/")) {
      HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(member.apiUrl() + path))
          .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
      assertThat(r.statusCode()).as(path).isEqualTo(200);
    }
  }
}
