package io.corral.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class LlamaServerApiTest extends SimulatorTestBase {

  private static JsonObject chat(String model) {
    return new JsonObject().put("model", model)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hello")));
  }

  @Test
  void healthIsOk() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("qwen2.5-7b"));

    TestHttp.Response health = http.get(llama, "/health");

    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json()).isEqualTo(new JsonObject().put("status", "ok"));
    assertThat(health.headers().get("Server")).isEqualTo("llama.cpp");
  }

  @Test
  void propsReportSlotsModelAndBuild() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("qwen2.5-7b").withSlots(3));

    JsonObject props = http.get(llama, "/props").json();

    assertThat(props.getInteger("total_slots")).isEqualTo(3);
    assertThat(props.getString("model_alias")).isEqualTo("qwen2.5-7b");
    assertThat(props.getString("model_path")).isEqualTo("/models/qwen2.5-7b.gguf");
    assertThat(props.getString("build_info")).isEqualTo("b6000-sim");
    assertThat(props.getString("chat_template")).isNotBlank();
    assertThat(props.getJsonObject("default_generation_settings").getInteger("n_ctx")).isEqualTo(4096);
  }

  @Test
  void slotsListOneEntryPerSlot() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("m").withSlots(2));

    JsonArray slots = http.get(llama, "/slots").jsonArray();

    assertThat(slots).hasSize(2);
    assertThat(slots.getJsonObject(1).getInteger("id")).isEqualTo(1);
    assertThat(slots.getJsonObject(1).getInteger("n_ctx")).isEqualTo(4096);
    assertThat(slots.getJsonObject(1).getBoolean("is_processing")).isFalse();
  }

  @Test
  void metricsArePrometheusTextWithLlamacppGaugesAndCounters() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("m").withDefaultTokens(5));
    http.post(llama, "/v1/chat/completions", chat("anything"));

    TestHttp.Response metrics = http.get(llama, "/metrics");

    assertThat(metrics.contentType()).startsWith("text/plain");
    assertThat(metrics.body())
        .contains("# HELP llamacpp:requests_processing ", "# TYPE llamacpp:requests_processing gauge\n")
        .contains("llamacpp:requests_processing 0\n", "llamacpp:requests_deferred 0\n")
        .contains("# TYPE llamacpp:prompt_tokens_total counter\n", "llamacpp:prompt_tokens_total 1\n")
        .contains("# TYPE llamacpp:tokens_predicted_total counter\n", "llamacpp:tokens_predicted_total 5\n");
  }

  @Test
  void modelsCarryBothTheOpenAiAndTheOllamaLikeList() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("qwen2.5-7b"));

    JsonObject body = http.get(llama, "/v1/models").json();

    assertThat(body.getString("object")).isEqualTo("list");
    JsonObject data = body.getJsonArray("data").getJsonObject(0);
    assertThat(data.getString("id")).isEqualTo("qwen2.5-7b");
    assertThat(data.getString("owned_by")).isEqualTo("llamacpp");
    assertThat(data.getJsonObject("meta")).isNotNull();
    assertThat(body.getJsonArray("models").getJsonObject(0).getString("name")).isEqualTo("qwen2.5-7b");
  }

  @Test
  void anyModelNameIsAcceptedAndAnsweredWithTheAlias() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("qwen2.5-7b").withDefaultTokens(2));

    JsonObject body = http.post(llama, "/v1/chat/completions", chat("gpt-4o")).json();

    assertThat(body.getString("model")).isEqualTo("qwen2.5-7b");
    assertThat(body.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"))
        .isEqualTo("tok0 tok1 ");
    assertThat(body.getJsonObject("timings").getInteger("predicted_n")).isEqualTo(2);
  }

  @Test
  void streamedChatIsServerSentEventsWithAnEmptyFinalDelta() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("m"));

    TestHttp.Response response = http.post(llama, "/v1/chat/completions",
        chat("m").put("stream", true).put("n_predict", 3));

    assertThat(response.contentType()).isEqualTo("text/event-stream");
    List<String> events = response.sseData();
    assertThat(events).hasSize(5).endsWith("[DONE]");
    assertThat(new JsonObject(events.get(0)).getJsonArray("choices").getJsonObject(0).getJsonObject("delta")
        .getString("role")).isEqualTo("assistant");
    assertThat(new JsonObject(events.get(1)).getJsonArray("choices").getJsonObject(0).getJsonObject("delta"))
        .isEqualTo(new JsonObject().put("content", "tok1 "));
    JsonObject last = new JsonObject(events.get(3)).getJsonArray("choices").getJsonObject(0);
    assertThat(last.getJsonObject("delta")).isEqualTo(new JsonObject());
    assertThat(last.getString("finish_reason")).isEqualTo("stop");
  }

  @Test
  void completionsHonourMaxTokens() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("m"));

    JsonObject body = http.post(llama, "/v1/completions",
        new JsonObject().put("prompt", "a b c").put("max_tokens", 3)).json();

    assertThat(body.getString("object")).isEqualTo("text_completion");
    assertThat(body.getJsonArray("choices").getJsonObject(0).getString("text")).isEqualTo("tok0 tok1 tok2 ");
    assertThat(body.getJsonObject("usage").getInteger("prompt_tokens")).isEqualTo(3);
  }

  @Test
  void nativeCompletionStreamsWithoutADoneMarker() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("m"));

    TestHttp.Response response = http.post(llama, "/completion",
        new JsonObject().put("prompt", "hi").put("n_predict", 2).put("stream", true));

    List<String> events = response.sseData();
    assertThat(events).hasSize(3).doesNotContain("[DONE]");
    assertThat(new JsonObject(events.get(0)).getString("content")).isEqualTo("tok0 ");
    assertThat(new JsonObject(events.get(2)).getBoolean("stop")).isTrue();
  }

  @Test
  void embeddingsAreNotSupportedByDefault() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("m"));

    TestHttp.Response response = http.post(llama, "/v1/embeddings", new JsonObject().put("input", "x"));

    assertThat(response.status()).isEqualTo(501);
    assertThat(response.json()).isEqualTo(new JsonObject().put("error", new JsonObject().put("code", 501)
        .put("message", "This server does not support embeddings. Start it with `--embeddings`")
        .put("type", "not_supported_error")));
  }

  @Test
  void ollamaPathsAndUnknownPathsAreJson404s() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("m"));

    for (String path : List.of("/api/tags", "/api/version", "/nope")) {
      TestHttp.Response response = http.get(llama, path);
      assertThat(response.status()).as(path).isEqualTo(404);
      assertThat(response.json().getJsonObject("error").getString("type")).isEqualTo("not_found_error");
      assertThat(response.json().getJsonObject("error").getString("message")).isEqualTo("File Not Found");
    }
    assertThat(http.post(llama, "/api/chat", chat("m")).status()).isEqualTo(404);
  }

  @Test
  void chatWithoutMessagesIsRejected() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("m"));

    TestHttp.Response response = http.post(llama, "/v1/chat/completions", new JsonObject());

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.json()).isEqualTo(new JsonObject().put("error", new JsonObject().put("code", 400)
        .put("message", "'messages' is required").put("type", "invalid_request_error")));
  }
}
