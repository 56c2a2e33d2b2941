package io.corral.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An unchanged OpenAI client pointed at a member gets what it would get from an OpenAI-compatible server. */
class OpenAiApiTest {

  static TestCluster cluster;
  static SimulatedBackend ollama;
  static SimulatedBackend llama;
  static String api;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    ollama = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2));
    llama = cluster.sim(SimBackendOptions.llamaServer("tiny").withSlots(2).withTokensPerSecond(20)
        .withDefaultTokens(10));
    RouterNode member = cluster.member(List.of(ollama.url(), llama.url()));
    api = member.apiUrl();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void chatCompletionsStreamSseEndingWithDoneWhenAsked() {
    StreamTiming t = StreamTiming.post(api + "/v1/chat/completions",
        "{\"model\":\"tiny\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(t.status()).isEqualTo(200);
    assertThat(t.header("Content-Type")).startsWith("text/event-stream");
    assertThat(t.header("X-Corral-Backend")).isEqualTo(llama.url());
    assertThat(t.lines()).allMatch(l -> l.startsWith("data: "));
    assertThat(t.lines().get(t.lines().size() - 1)).isEqualTo("data: [DONE]");
    JsonObject chunk = new JsonObject(t.lines().get(0).substring("data: ".length()));
    assertThat(chunk.getString("object")).isEqualTo("chat.completion.chunk");
    assertThat(t.spreadMillis()).isGreaterThanOrEqualTo(250);
  }

  @Test
  void chatCompletionsAnswerOnceWithoutStream() {
    HttpResponse<String> r = Http.post(api + "/v1/chat/completions",
        "{\"model\":\"llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(r.body());
    assertThat(body.getString("object")).isEqualTo("chat.completion");
    assertThat(body.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"))
        .isNotBlank();
  }

  @Test
  void completionsStreamAndNot() {
    StreamTiming t = StreamTiming.post(api + "/v1/completions",
        "{\"model\":\"tiny\",\"prompt\":\"hi\",\"stream\":true}");
    assertThat(t.status()).isEqualTo(200);
    assertThat(t.lines().get(t.lines().size() - 1)).isEqualTo("data: [DONE]");
    HttpResponse<String> once = Http.post(api + "/v1/completions", "{\"model\":\"llama3\",\"prompt\":\"hi\"}");
    assertThat(new JsonObject(once.body()).getString("object")).isEqualTo("text_completion");
  }

  @Test
  void embeddingsGoToABackendThatServesThem() {
    HttpResponse<String> r = Http.post(api + "/v1/embeddings", "{\"model\":\"llama3\",\"input\":\"hello\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getJsonArray("data").getJsonObject(0).getJsonArray("embedding"))
        .isNotEmpty();
  }

  @Test
  void modelsIsTheUnionOverBackends() {
    HttpResponse<String> r = Http.get(api + "/v1/models");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(r.body());
    assertThat(body.getString("object")).isEqualTo("list");
    assertThat(body.getJsonArray("data").stream().map(o -> ((JsonObject) o).getString("id")).toList())
        .containsExactlyInAnyOrder("llama3:latest", "tiny");
  }
}
