package io.corral.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ollama's built-in OpenAI API under /v1. */
class OllamaOpenAiApiTest extends SimulatorTestBase {

  private static JsonObject chat(String model) {
    return new JsonObject().put("model", model)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi there")));
  }

  @Test
  void chatCompletionIsNotStreamedByDefault() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3").withDefaultTokens(3));

    TestHttp.Response response = http.post(ollama, "/v1/chat/completions", chat("llama3"));

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.contentType()).startsWith("application/json");
    JsonObject body = response.json();
    assertThat(body.getString("id")).startsWith("chatcmpl-");
    assertThat(body.getString("object")).isEqualTo("chat.completion");
    assertThat(body.getLong("created")).isPositive();
    assertThat(body.getString("model")).isEqualTo("llama3");
    JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
    assertThat(choice.getInteger("index")).isZero();
    assertThat(choice.getJsonObject("message"))
        .isEqualTo(new JsonObject().put("role", "assistant").put("content", "tok0 tok1 tok2 "));
    assertThat(choice.getString("finish_reason")).isEqualTo("stop");
    assertThat(body.getJsonObject("usage")).isEqualTo(new JsonObject()
        .put("prompt_tokens", 2).put("completion_tokens", 3).put("total_tokens", 5));
  }

  @Test
  void streamedChatCompletionIsServerSentEventsEndingWithDone() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));

    TestHttp.Response response = http.post(ollama, "/v1/chat/completions",
        chat("llama3").put("stream", true).put("max_tokens", 2));

    assertThat(response.contentType()).isEqualTo("text/event-stream");
    assertThat(response.body()).endsWith("data: [DONE]\n\n");
    List<String> events = response.sseData();
    assertThat(events).hasSize(4);
    JsonObject first = new JsonObject(events.get(0));
    assertThat(first.getString("object")).isEqualTo("chat.completion.chunk");
    assertThat(first.getJsonArray("choices").getJsonObject(0).getJsonObject("delta"))
        .isEqualTo(new JsonObject().put("role", "assistant").put("content", "tok0 "));
    assertThat(first.getJsonArray("choices").getJsonObject(0).getValue("finish_reason")).isNull();
    JsonObject last = new JsonObject(events.get(2));
    assertThat(last.getJsonArray("choices").getJsonObject(0).getString("finish_reason")).isEqualTo("stop");
    assertThat(last.getString("id")).isEqualTo(first.getString("id"));
    assertThat(events.get(3)).isEqualTo("[DONE]");
  }

  @Test
  void streamOptionsIncludeUsageAddsAUsageChunk() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));

    List<String> events = http.post(ollama, "/v1/chat/completions", chat("llama3").put("stream", true)
        .put("max_tokens", 1).put("stream_options", new JsonObject().put("include_usage", true))).sseData();

    JsonObject usage = new JsonObject(events.get(events.size() - 2));
    assertThat(usage.getJsonArray("choices")).isEmpty();
    assertThat(usage.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(1);
  }

  @Test
  void completionsAnswerWithText() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));

    JsonObject body = http.post(ollama, "/v1/completions",
        new JsonObject().put("model", "llama3").put("prompt", "once upon").put("max_tokens", 2)).json();

    assertThat(body.getString("object")).isEqualTo("text_completion");
    assertThat(body.getJsonArray("choices").getJsonObject(0).getString("text")).isEqualTo("tok0 tok1 ");

    List<String> events = http.post(ollama, "/v1/completions", new JsonObject().put("model", "llama3")
        .put("prompt", "once upon").put("max_tokens", 2).put("stream", true)).sseData();
    assertThat(events).hasSize(4);
    assertThat(new JsonObject(events.get(1)).getJsonArray("choices").getJsonObject(0).getString("text"))
        .isEqualTo("tok1 ");
  }

  @Test
  void embeddingsAnswerAnOpenAiList() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("all-minilm"));

    JsonObject body = http.post(ollama, "/v1/embeddings", new JsonObject().put("model", "all-minilm")
        .put("input", new JsonArray().add("one").add("two"))).json();

    assertThat(body.getString("object")).isEqualTo("list");
    JsonArray data = body.getJsonArray("data");
    assertThat(data).hasSize(2);
    assertThat(data.getJsonObject(1).getString("object")).isEqualTo("embedding");
    assertThat(data.getJsonObject(1).getInteger("index")).isEqualTo(1);
    assertThat(data.getJsonObject(1).getJsonArray("embedding")).hasSize(8);
  }

  @Test
  void modelsListsEveryModelOwnedByTheLibrary() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3", "qwen2.5:7b"));

    JsonObject body = http.get(ollama, "/v1/models").json();

    assertThat(body.getString("object")).isEqualTo("list");
    JsonObject first = body.getJsonArray("data").getJsonObject(0);
    assertThat(first.getString("id")).isEqualTo("llama3:latest");
    assertThat(first.getString("object")).isEqualTo("model");
    assertThat(first.getString("owned_by")).isEqualTo("library");
    assertThat(first.getLong("created")).isPositive();
    assertThat(http.get(ollama, "/v1/models/qwen2.5:7b").json().getString("id")).isEqualTo("qwen2.5:7b");
  }

  @Test
  void unknownModelIsA404InOpenAiShape() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));

    TestHttp.Response response = http.post(ollama, "/v1/chat/completions", chat("phi3"));

    assertThat(response.status()).isEqualTo(404);
    assertThat(response.json()).isEqualTo(new JsonObject().put("error", new JsonObject()
        .put("message", "model \"phi3\" not found, try pulling it first").put("type", "api_error")
        .putNull("param").putNull("code")));
  }

  @Test
  void malformedBodyIsAnInvalidRequestError() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));

    TestHttp.Response response = http.post(ollama, "/v1/chat/completions", "[1,2]");

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.json().getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
  }
}
