package io.corral.sim;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.InstantSource;

/**
 * Ollama's native {@code /api/chat} and {@code /api/generate} answers: NDJSON lines while streaming, one JSON
 * object otherwise, with Go-formatted timestamps and nanosecond durations (zero fields omitted, as Go's
 * {@code omitempty} does).
 */
final class OllamaGenerationOutput implements GenerationOutput {

  enum Endpoint { CHAT, GENERATE }

  static final String NDJSON = "application/x-ndjson";

  private final Endpoint endpoint;
  private final String model;
  private final InstantSource clock;

  /** {@code model} is echoed as the request named it, as Ollama does. */
  OllamaGenerationOutput(Endpoint endpoint, String model, InstantSource clock) {
    this.endpoint = endpoint;
    this.model = model;
    this.clock = clock;
  }

  @Override
  public void prepareStream(HttpServerResponse response) {
    response.putHeader("Content-Type", NDJSON);
  }

  @Override
  public Buffer tokenChunk(int index, String token) {
    JsonObject chunk = head();
    if (endpoint == Endpoint.CHAT) {
      chunk.put("message", assistant(token));
    } else {
      chunk.put("response", token);
    }
    return line(chunk.put("done", false));
  }

  @Override
  public Buffer streamEnd(GenerationSummary summary) {
    return line(done(summary, ""));
  }

  @Override
  public void prepareBody(HttpServerResponse response) {
    response.putHeader("Content-Type", ApiFamily.JSON);
  }

  @Override
  public Buffer body(GenerationSummary summary) {
    return Buffer.buffer(done(summary, summary.text()).encode());
  }

  private JsonObject done(GenerationSummary s, String content) {
    JsonObject json = head();
    // Field order follows Ollama's ChatResponse / GenerateResponse structs.
    if (endpoint == Endpoint.CHAT) {
      json.put("message", assistant(content)).put("done_reason", "stop").put("done", true);
    } else {
      JsonArray context = new JsonArray();
      for (int i = 1; i <= s.promptTokens() + s.completionTokens(); i++) {
        context.add(i);
      }
      json.put("response", content).put("done", true).put("done_reason", "stop").put("context", context);
    }
    putIfPositive(json, "total_duration", Math.max(1, s.totalNanos()));
    putIfPositive(json, "load_duration", Math.max(1, s.loadNanos()));
    putIfPositive(json, "prompt_eval_count", s.promptTokens());
    putIfPositive(json, "prompt_eval_duration", Math.max(1, s.promptEvalNanos()));
    putIfPositive(json, "eval_count", s.completionTokens());
    putIfPositive(json, "eval_duration", Math.max(1, s.evalNanos()));
    return json;
  }

  private JsonObject head() {
    return new JsonObject().put("model", model).put("created_at", GoTime.rfc3339Nano(clock.instant()));
  }

  private static JsonObject assistant(String content) {
    return new JsonObject().put("role", "assistant").put("content", content);
  }

  private static void putIfPositive(JsonObject json, String key, long value) {
    if (value > 0) {
      json.put(key, value);
    }
  }

  private static Buffer line(JsonObject json) {
    return Buffer.buffer(json.encode()).appendString("\n");
  }
}
