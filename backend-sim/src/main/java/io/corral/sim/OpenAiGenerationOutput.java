package io.corral.sim;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * OpenAI {@code /v1/chat/completions} and {@code /v1/completions} answers: {@code data: {...}} server-sent events
 * ending with {@code data: [DONE]} when streaming, one JSON object otherwise.
 */
final class OpenAiGenerationOutput implements GenerationOutput {

  enum Endpoint { CHAT, COMPLETION }

  private final Endpoint endpoint;
  private final OpenAiDialect dialect;
  private final String model;
  private final boolean includeUsage;
  private final String id;
  private final long created;

  OpenAiGenerationOutput(Endpoint endpoint, OpenAiDialect dialect, String model, boolean includeUsage,
      long createdEpochSeconds) {
    this.endpoint = endpoint;
    this.dialect = dialect;
    this.model = model;
    this.includeUsage = includeUsage;
    this.id = dialect.nextId(endpoint == Endpoint.CHAT);
    this.created = createdEpochSeconds;
  }

  @Override
  public void prepareStream(HttpServerResponse response) {
    response.putHeader("Content-Type", OpenAiDialect.SSE);
    if (dialect.kind() == SimKind.LLAMA_SERVER) {
      response.putHeader("X-Accel-Buffering", "no");
    }
  }

  @Override
  public Buffer tokenChunk(int index, String token) {
    JsonObject choice;
    if (endpoint == Endpoint.CHAT) {
      JsonObject delta = new JsonObject();
      if (index == 0 || dialect.rolePerDelta()) {
        delta.put("role", "assistant");
      }
      choice = new JsonObject().put("index", 0).put("delta", delta.put("content", token)).putNull("finish_reason");
    } else {
      choice = textChoice(token).putNull("finish_reason");
    }
    return event(head(true).put("choices", new JsonArray().add(choice)));
  }

  @Override
  public Buffer streamEnd(GenerationSummary s) {
    JsonObject choice;
    if (endpoint == Endpoint.CHAT) {
      JsonObject delta = dialect.rolePerDelta()
          ? new JsonObject().put("role", "assistant").put("content", "") : new JsonObject();
      choice = new JsonObject().put("index", 0).put("delta", delta).put("finish_reason", "stop");
    } else {
      choice = textChoice("").put("finish_reason", "stop");
    }
    JsonObject last = head(true).put("choices", new JsonArray().add(choice));
    // llama-server puts usage on the last completion chunk (measured); chat gets it only when asked for.
    if (endpoint == Endpoint.COMPLETION && dialect.kind() == SimKind.LLAMA_SERVER) {
      last.put("usage", usage(s));
    }
    if (dialect.reportsTimings() && !includeUsage) {
      last.put("timings", timings(s));
    }
    Buffer out = event(last);
    if (includeUsage) {
      JsonObject usage = head(true).put("choices", new JsonArray()).put("usage", usage(s));
      if (dialect.reportsTimings()) {
        usage.put("timings", timings(s));
      }
      out.appendBuffer(event(usage));
    }
    return out.appendString("data: [DONE]\n\n");
  }

  @Override
  public void prepareBody(HttpServerResponse response) {
    response.putHeader("Content-Type", dialect.jsonContentType());
  }

  @Override
  public Buffer body(GenerationSummary s) {
    JsonObject choice = endpoint == Endpoint.CHAT
        ? new JsonObject().put("index", 0)
            .put("message", new JsonObject().put("role", "assistant").put("content", s.text()))
        : textChoice(s.text());
    JsonObject json = head(false)
        .put("choices", new JsonArray().add(choice.put("finish_reason", "stop")))
        .put("usage", usage(s));
    if (dialect.reportsTimings()) {
      json.put("timings", timings(s));
    }
    return Buffer.buffer(json.encode());
  }

  private JsonObject head(boolean chunk) {
    String object = endpoint == Endpoint.CHAT ? (chunk ? "chat.completion.chunk" : "chat.completion")
        : "text_completion";
    return new JsonObject().put("id", id).put("object", object).put("created", created).put("model", model)
        .put("system_fingerprint", dialect.systemFingerprint());
  }

  private JsonObject textChoice(String text) {
    JsonObject choice = new JsonObject().put("text", text).put("index", 0);
    if (dialect.kind() == SimKind.LLAMA_SERVER) {
      choice.putNull("logprobs");
    }
    return choice;
  }

  private static JsonObject usage(GenerationSummary s) {
    return new JsonObject().put("prompt_tokens", s.promptTokens()).put("completion_tokens", s.completionTokens())
        .put("total_tokens", s.promptTokens() + s.completionTokens());
  }

  static JsonObject timings(GenerationSummary s) {
    double promptMs = s.promptMillis();
    double predictedMs = s.evalMillis();
    return new JsonObject()
        .put("cache_n", 0)
        .put("prompt_n", s.promptTokens())
        .put("prompt_ms", promptMs)
        .put("prompt_per_token_ms", s.promptTokens() == 0 ? 0.0 : promptMs / s.promptTokens())
        .put("prompt_per_second", promptMs == 0 ? 0.0 : 1000.0 * s.promptTokens() / promptMs)
        .put("predicted_n", s.completionTokens())
        .put("predicted_ms", predictedMs)
        .put("predicted_per_token_ms", s.completionTokens() == 0 ? 0.0 : predictedMs / s.completionTokens())
        .put("predicted_per_second", predictedMs == 0 ? 0.0 : 1000.0 * s.completionTokens() / predictedMs);
  }

  private static Buffer event(JsonObject json) {
    return Buffer.buffer("data: ").appendString(json.encode()).appendString("\n\n");
  }
}
