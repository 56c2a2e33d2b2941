package io.corral.sim;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * llama-server's native {@code /completion} answers: {@code data: {...}} events without a {@code [DONE]}
 * terminator when streaming (the last event has {@code "stop": true}), one JSON object otherwise.
 */
final class LlamaCompletionOutput implements GenerationOutput {

  private final String model;
  private final String prompt;
  private final int promptTokens;
  private final boolean limited;

  /** {@code limited}: the request set {@code n_predict}, so the answer stops at the limit, not at EOS. */
  LlamaCompletionOutput(String model, String prompt, int promptTokens, boolean limited) {
    this.model = model;
    this.prompt = prompt;
    this.promptTokens = promptTokens;
    this.limited = limited;
  }

  @Override
  public void prepareStream(HttpServerResponse response) {
    response.putHeader("Content-Type", OpenAiDialect.SSE).putHeader("X-Accel-Buffering", "no");
  }

  @Override
  public Buffer tokenChunk(int index, String token) {
    return event(new JsonObject().put("index", 0).put("content", token).put("tokens", new JsonArray())
        .put("stop", false).put("id_slot", -1).put("tokens_predicted", index + 1)
        .put("tokens_evaluated", promptTokens));
  }

  @Override
  public Buffer streamEnd(GenerationSummary summary) {
    return event(last(summary, ""));
  }

  @Override
  public void prepareBody(HttpServerResponse response) {
    response.putHeader("Content-Type", ApiFamily.JSON);
  }

  @Override
  public Buffer body(GenerationSummary summary) {
    return Buffer.buffer(last(summary, summary.text()).encode());
  }

  private JsonObject last(GenerationSummary s, String content) {
    return new JsonObject().put("index", 0).put("content", content).put("tokens", new JsonArray())
        .put("id_slot", s.slotId()).put("stop", true).put("model", model)
        .put("tokens_predicted", s.completionTokens()).put("tokens_evaluated", s.promptTokens())
        .put("generation_settings", new JsonObject().put("n_predict", limited ? s.completionTokens() : -1)
            .put("temperature", 0.8).put("top_k", 40).put("top_p", 0.95).put("min_p", 0.05)
            .put("stream", false))
        .put("prompt", prompt).put("has_new_line", false).put("truncated", false)
        .put("stop_type", limited ? "limit" : "eos").put("stopping_word", "")
        .put("tokens_cached", s.promptTokens() + s.completionTokens())
        .put("timings", OpenAiGenerationOutput.timings(s));
  }

  private static Buffer event(JsonObject json) {
    return Buffer.buffer("data: ").appendString(json.encode()).appendString("\n\n");
  }
}
