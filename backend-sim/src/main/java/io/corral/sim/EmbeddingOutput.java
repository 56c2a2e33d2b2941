package io.corral.sim;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Embedding answers (never streamed): Ollama's {@code /api/embed}, its legacy {@code /api/embeddings}, OpenAI's. */
final class EmbeddingOutput implements GenerationOutput {

  enum Shape { OLLAMA_EMBED, OLLAMA_LEGACY, OPENAI }

  private final Shape shape;
  private final String model;
  private final List<String> inputs;

  EmbeddingOutput(Shape shape, String model, List<String> inputs) {
    this.shape = shape;
    this.model = model;
    this.inputs = List.copyOf(inputs);
  }

  @Override
  public void prepareStream(HttpServerResponse response) {
    throw new IllegalStateException("embeddings are never streamed");
  }

  @Override
  public Buffer tokenChunk(int index, String token) {
    throw new IllegalStateException("embeddings are never streamed");
  }

  @Override
  public Buffer streamEnd(GenerationSummary summary) {
    throw new IllegalStateException("embeddings are never streamed");
  }

  @Override
  public void prepareBody(HttpServerResponse response) {
    response.putHeader("Content-Type", shape == Shape.OPENAI ? "application/json" : ApiFamily.JSON);
  }

  @Override
  public Buffer body(GenerationSummary s) {
    JsonObject json = switch (shape) {
      case OLLAMA_EMBED -> {
        JsonArray vectors = new JsonArray();
        inputs.forEach(input -> vectors.add(Embeddings.vector(input)));
        yield new JsonObject().put("model", model).put("embeddings", vectors)
            .put("total_duration", Math.max(1, s.totalNanos())).put("load_duration", Math.max(1, s.loadNanos()))
            .put("prompt_eval_count", s.promptTokens());
      }
      case OLLAMA_LEGACY -> new JsonObject()
          .put("embedding", inputs.isEmpty() ? new JsonArray() : Embeddings.vector(inputs.get(0)));
      case OPENAI -> {
        JsonArray data = new JsonArray();
        for (int i = 0; i < inputs.size(); i++) {
          data.add(new JsonObject().put("object", "embedding").put("embedding", Embeddings.vector(inputs.get(i)))
              .put("index", i));
        }
        yield new JsonObject().put("object", "list").put("data", data).put("model", model)
            .put("usage", new JsonObject().put("prompt_tokens", s.promptTokens()).put("total_tokens", s.promptTokens()));
      }
    };
    return Buffer.buffer(json.encode());
  }
}
