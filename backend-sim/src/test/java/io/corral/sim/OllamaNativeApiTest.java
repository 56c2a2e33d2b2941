package io.corral.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class OllamaNativeApiTest extends SimulatorTestBase {

  private static JsonObject chat(String model) {
    return new JsonObject().put("model", model)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "why is the sky blue")));
  }

  @Test
  void rootSaysOllamaIsRunningForGetAndHead() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));

    TestHttp.Response get = http.get(ollama, "/");
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.contentType()).isEqualTo("text/plain; charset=utf-8");
    assertThat(get.body()).isEqualTo("Ollama is running");

    TestHttp.Response head = http.head(ollama, "/");
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
  }

  @Test
  void versionIsReported() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));

    assertThat(http.get(ollama, "/api/version").json()).isEqualTo(new JsonObject().put("version", "0.12.6"));
  }

  @Test
  void tagsListEveryModelWithNormalizedNamesAndDetails() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3", "qwen2.5:7b"));

    TestHttp.Response tags = http.get(ollama, "/api/tags");

    assertThat(tags.contentType()).isEqualTo("application/json; charset=utf-8");
    JsonArray models = tags.json().getJsonArray("models");
    assertThat(models).hasSize(2);
    JsonObject llama = models.getJsonObject(0);
    assertThat(llama.getString("name")).isEqualTo("llama3:latest");
    assertThat(llama.getString("model")).isEqualTo("llama3:latest");
    assertThat(llama.getString("modified_at")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
    assertThat(llama.getLong("size")).isPositive();
    assertThat(llama.getString("digest")).matches("[0-9a-f]{64}");
    assertThat(llama.getJsonObject("details").fieldNames())
        .containsExactly("parent_model", "format", "family", "families", "parameter_size", "quantization_level");
    assertThat(llama.getJsonObject("details").getString("format")).isEqualTo("gguf");
    assertThat(models.getJsonObject(1).getJsonObject("details").getString("parameter_size")).isEqualTo("7.0B");
  }

  @Test
  void psListsAModelOnlyOnceItHasBeenUsed() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3", "mistral"));
    assertThat(http.get(ollama, "/api/ps").json().getJsonArray("models")).isEmpty();

    http.post(ollama, "/api/chat", chat("mistral").put("stream", false));

    JsonArray loaded = http.get(ollama, "/api/ps").json().getJsonArray("models");
    assertThat(loaded).hasSize(1);
    JsonObject mistral = loaded.getJsonObject(0);
    assertThat(mistral.getString("name")).isEqualTo("mistral:latest");
    assertThat(mistral.fieldNames()).contains("expires_at", "size_vram", "digest", "details", "size");
  }

  @Test
  void showDescribesAModelAndAnswers404ForAnUnknownOne() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));

    JsonObject show = http.post(ollama, "/api/show", new JsonObject().put("model", "llama3")).json();
    assertThat(show.fieldNames()).contains("modelfile", "parameters", "template", "details", "model_info",
        "capabilities");
    assertThat(show.getJsonArray("capabilities")).containsExactly("completion");

    TestHttp.Response unknown = http.post(ollama, "/api/show", new JsonObject().put("model", "nope"));
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json()).isEqualTo(new JsonObject().put("error", "model 'nope' not found"));
  }

  @Test
  void chatStreamsNdjsonByDefaultEndingWithADoneLineCarryingStats() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3").withDefaultTokens(3));

    TestHttp.Response response = http.post(ollama, "/api/chat", chat("llama3"));

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.contentType()).isEqualTo("application/x-ndjson");
    assertThat(response.headers().get("Transfer-Encoding")).isEqualTo("chunked");
    assertThat(response.body()).endsWith("\n");
    List<JsonObject> lines = response.ndjson();
    assertThat(lines).hasSize(4);
    for (int i = 0; i < 3; i++) {
      JsonObject chunk = lines.get(i);
      assertThat(chunk.fieldNames()).containsExactly("model", "created_at", "message", "done");
      assertThat(chunk.getString("model")).isEqualTo("llama3");
      assertThat(chunk.getString("created_at")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,9})?Z");
      assertThat(chunk.getJsonObject("message"))
          .isEqualTo(new JsonObject().put("role", "assistant").put("content", "tok" + i + " "));
      assertThat(chunk.getBoolean("done")).isFalse();
    }
    JsonObject done = lines.get(3);
    assertThat(done.getBoolean("done")).isTrue();
    assertThat(done.getString("done_reason")).isEqualTo("stop");
    assertThat(done.getJsonObject("message").getString("content")).isEmpty();
    assertThat(done.getLong("eval_count")).isEqualTo(3);
    assertThat(done.getLong("prompt_eval_count")).isEqualTo(5);
    assertThat(done.fieldNames()).contains("total_duration", "load_duration", "prompt_eval_duration", "eval_duration");
  }

  @Test
  void chatWithStreamFalseAnswersOneJsonObjectWithTheWholeText() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));

    TestHttp.Response response = http.post(ollama, "/api/chat", chat("llama3:latest").put("stream", false)
        .put("options", new JsonObject().put("num_predict", 4)));

    assertThat(response.contentType()).isEqualTo("application/json; charset=utf-8");
    JsonObject body = response.json();
    assertThat(body.getString("model")).isEqualTo("llama3:latest");
    assertThat(body.getJsonObject("message").getString("content")).isEqualTo("tok0 tok1 tok2 tok3 ");
    assertThat(body.getBoolean("done")).isTrue();
    assertThat(body.getLong("eval_count")).isEqualTo(4);
  }

  @Test
  void generateStreamsResponsesAndEndsWithContext() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));

    TestHttp.Response response = http.post(ollama, "/api/generate", new JsonObject().put("model", "llama3")
        .put("prompt", "hello there").put("options", new JsonObject().put("num_predict", 2)));

    List<JsonObject> lines = response.ndjson();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0).getString("response")).isEqualTo("tok0 ");
    assertThat(lines.get(1).getString("response")).isEqualTo("tok1 ");
    JsonObject done = lines.get(2);
    assertThat(done.getBoolean("done")).isTrue();
    assertThat(done.getString("done_reason")).isEqualTo("stop");
    assertThat(done.getJsonArray("context")).isNotEmpty();
  }

  @Test
  void generateWithoutPromptOnlyLoadsTheModel() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));

    JsonObject load = http.post(ollama, "/api/generate", new JsonObject().put("model", "llama3")).json();

    assertThat(load.getString("done_reason")).isEqualTo("load");
    assertThat(http.get(ollama, "/api/ps").json().getJsonArray("models")).hasSize(1);
    assertThat(ollama.stats().requestsStarted()).isZero();

    JsonObject unload = http.post(ollama, "/api/generate",
        new JsonObject().put("model", "llama3").put("keep_alive", 0)).json();
    assertThat(unload.getString("done_reason")).isEqualTo("unload");
    assertThat(http.get(ollama, "/api/ps").json().getJsonArray("models")).isEmpty();
  }

  @Test
  void embedReturnsOneDeterministicVectorPerInput() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("all-minilm"));

    JsonObject body = http.post(ollama, "/api/embed", new JsonObject().put("model", "all-minilm")
        .put("input", new JsonArray().add("a").add("b"))).json();

    assertThat(body.getString("model")).isEqualTo("all-minilm");
    JsonArray embeddings = body.getJsonArray("embeddings");
    assertThat(embeddings).hasSize(2);
    assertThat(embeddings.getJsonArray(0)).hasSize(8);
    assertThat(embeddings.getJsonArray(0)).isNotEqualTo(embeddings.getJsonArray(1));
    assertThat(body.fieldNames()).contains("total_duration", "load_duration", "prompt_eval_count");

    JsonObject again = http.post(ollama, "/api/embed", new JsonObject().put("model", "all-minilm").put("input", "a"))
        .json();
    assertThat(again.getJsonArray("embeddings").getJsonArray(0)).isEqualTo(embeddings.getJsonArray(0));
  }

  @Test
  void legacyEmbeddingsReturnsASingleVector() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("all-minilm"));

    JsonObject body = http.post(ollama, "/api/embeddings",
        new JsonObject().put("model", "all-minilm").put("prompt", "hello")).json();

    assertThat(body.fieldNames()).containsExactly("embedding");
    assertThat(body.getJsonArray("embedding")).hasSize(8);
  }

  @Test
  void errorsUseOllamasWordingAndStatus() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));

    TestHttp.Response unknown = http.post(ollama, "/api/chat", chat("phi3"));
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.json()).isEqualTo(new JsonObject().put("error", "model \"phi3\" not found, try pulling it first"));

    TestHttp.Response missing = http.post(ollama, "/api/generate", new JsonObject().put("prompt", "hi"));
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.json()).isEqualTo(new JsonObject().put("error", "model is required"));

    TestHttp.Response badJson = http.post(ollama, "/api/chat", "{not json");
    assertThat(badJson.status()).isEqualTo(400);
    assertThat(badJson.json().getString("error")).isNotBlank();

    TestHttp.Response empty = http.post(ollama, "/api/chat", "");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.json()).isEqualTo(new JsonObject().put("error", "missing request body"));
  }

  @Test
  void unknownPathsAndLlamaServerPathsAre404Pages() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));

    for (String path : List.of("/nope", "/props", "/slots", "/health")) {
      TestHttp.Response response = http.get(ollama, path);
      assertThat(response.status()).as(path).isEqualTo(404);
      assertThat(response.body()).isEqualTo("404 page not found");
    }
    assertThat(http.get(ollama, "/api/chat").status()).isEqualTo(404);
  }
}
