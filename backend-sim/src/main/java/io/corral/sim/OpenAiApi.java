package io.corral.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The OpenAI API ({@code /v1/*}) as each server family serves it natively. Not streamed unless
 * {@code "stream": true}. Ollama checks the model name; llama-server ignores it and answers with its alias.
 */
final class OpenAiApi {

  private final ModelCatalog catalog;
  private final GenerationEngine engine;
  private final OpenAiDialect dialect;
  private final ApiFamily errors;
  private final InstantSource clock;

  OpenAiApi(ModelCatalog catalog, GenerationEngine engine, OpenAiDialect dialect, InstantSource clock) {
    this.catalog = catalog;
    this.engine = engine;
    this.dialect = dialect;
    this.errors = dialect.errors();
    this.clock = clock;
  }

  void mount(Router router) {
    router.post("/v1/chat/completions").handler(this::chat);
    router.post("/v1/completions").handler(this::completion);
    router.post("/v1/embeddings").handler(this::embeddings);
    router.get("/v1/models").handler(this::models);
    if (dialect.kind() == SimKind.OLLAMA) {
      router.get("/v1/models/:model").handler(this::model);
    } else {
      // llama-server also answers these without the /v1 prefix.
      router.post("/chat/completions").handler(this::chat);
      router.post("/embeddings").handler(this::embeddings);
      router.post("/embedding").handler(this::embeddings);
      router.get("/models").handler(this::models);
    }
  }

  private void chat(RoutingContext ctx) {
    Optional<Requested> req = requested(ctx);
    if (req.isEmpty()) {
      return;
    }
    JsonObject body = req.get().body();
    JsonArray messages = body.getValue("messages") instanceof JsonArray a ? a : null;
    if (messages == null || messages.isEmpty()) {
      errors.invalidRequest(ctx,
          dialect.kind() == SimKind.OLLAMA ? "[] is too short - 'messages'" : "'messages' is required");
      return;
    }
    serve(ctx, req.get(), OpenAiGenerationOutput.Endpoint.CHAT, TokenText.messageWords(messages));
  }

  private void completion(RoutingContext ctx) {
    Optional<Requested> req = requested(ctx);
    if (req.isEmpty()) {
      return;
    }
    Object prompt = req.get().body().getValue("prompt");
    if (prompt == null && dialect.kind() == SimKind.LLAMA_SERVER) {
      errors.invalidRequest(ctx, "[json.exception.out_of_range.403] key 'prompt' not found");
      return;
    }
    serve(ctx, req.get(), OpenAiGenerationOutput.Endpoint.COMPLETION, TokenText.promptWords(prompt));
  }

  private void serve(RoutingContext ctx, Requested req, OpenAiGenerationOutput.Endpoint endpoint, int promptTokens) {
    JsonObject body = req.body();
    boolean stream = RequestJson.bool(body, "stream", false);
    int tokens = RequestJson.positiveInt(body, "max_completion_tokens", "max_tokens", "n_predict")
        .orElse(engine.options().defaultTokens());
    boolean includeUsage = stream && body.getValue("stream_options") instanceof JsonObject o
        && RequestJson.bool(o, "include_usage", false);
    catalog.markLoaded(req.model());
    engine.serve(ctx, errors, req.model().name(), new GenerationPlan(stream, tokens, promptTokens),
        new OpenAiGenerationOutput(endpoint, dialect, req.responseModel(), includeUsage,
            clock.instant().getEpochSecond()));
  }

  private void embeddings(RoutingContext ctx) {
    if (dialect.kind() == SimKind.LLAMA_SERVER) {
      // The default of a real llama-server (started without --embeddings).
      errors.error(ctx, 501, "This server does not support embeddings. Start it with `--embeddings`");
      return;
    }
    Optional<Requested> req = requested(ctx);
    if (req.isEmpty()) {
      return;
    }
    List<String> inputs = new ArrayList<>();
    Object input = req.get().body().getValue("input");
    if (input instanceof String s) {
      inputs.add(s);
    } else if (input instanceof JsonArray array && !array.isEmpty()) {
      array.forEach(item -> inputs.add(String.valueOf(item)));
    } else {
      errors.invalidRequest(ctx, "invalid input");
      return;
    }
    catalog.markLoaded(req.get().model());
    int promptTokens = inputs.stream().mapToInt(TokenText::words).sum();
    engine.serve(ctx, errors, req.get().model().name(), new GenerationPlan(false, 0, promptTokens),
        new EmbeddingOutput(EmbeddingOutput.Shape.OPENAI, req.get().responseModel(), inputs));
  }

  private void models(RoutingContext ctx) {
    if (dialect.kind() == SimKind.OLLAMA) {
      JsonArray data = new JsonArray();
      catalog.all().forEach(m -> data.add(ollamaModel(m)));
      ApiFamily.send(ctx, 200, "application/json", new JsonObject().put("object", "list").put("data", data));
      return;
    }
    // llama-server answers with an Ollama-like "models" list and an OpenAI "data" list (measured).
    ModelCatalog.Model m = catalog.all().get(0);
    JsonObject emptyDetails = new JsonObject().put("parent_model", "").put("format", "gguf").put("family", "")
        .put("families", new JsonArray().add("")).put("parameter_size", "").put("quantization_level", "");
    JsonObject ollamaLike = new JsonObject().put("name", m.name()).put("model", m.name()).put("modified_at", "")
        .put("size", "").put("digest", "").put("type", "model").put("description", "")
        .put("tags", new JsonArray().add("")).put("capabilities", new JsonArray().add("completion"))
        .put("parameters", "").put("details", emptyDetails);
    JsonObject meta = new JsonObject().put("vocab_type", 2).put("n_vocab", 128256)
        .put("n_ctx_train", ModelCatalog.CONTEXT_LENGTH).put("n_embd", 4096).put("n_params", m.parameterCount())
        .put("size", m.size());
    JsonObject openAi = new JsonObject().put("id", m.name()).put("object", "model")
        .put("created", clock.instant().getEpochSecond()).put("owned_by", "llamacpp").put("meta", meta);
    ApiFamily.sendJson(ctx, new JsonObject().put("models", new JsonArray().add(ollamaLike))
        .put("object", "list").put("data", new JsonArray().add(openAi)));
  }

  private void model(RoutingContext ctx) {
    String name = ctx.pathParam("model");
    Optional<ModelCatalog.Model> m = catalog.find(name);
    if (m.isEmpty()) {
      errors.error(ctx, 404, "model " + OllamaApi.goQuote(name) + " not found");
      return;
    }
    ApiFamily.send(ctx, 200, "application/json", ollamaModel(m.get()));
  }

  private static JsonObject ollamaModel(ModelCatalog.Model m) {
    int slash = m.name().lastIndexOf('/');
    String owner = slash < 0 ? "library" : m.name().substring(0, slash);
    return new JsonObject().put("id", m.name()).put("object", "model")
        .put("created", ModelCatalog.MODIFIED_EPOCH_SECONDS).put("owned_by", owner);
  }

  /**
   * A parsed request and its model. {@code responseModel} is what answers report: Ollama echoes the requested
   * name, llama-server its alias.
   */
  private record Requested(JsonObject body, ModelCatalog.Model model, String responseModel) {}

  private Optional<Requested> requested(RoutingContext ctx) {
    Optional<JsonObject> body = RequestJson.parse(ctx, errors);
    if (body.isEmpty()) {
      return Optional.empty();
    }
    String name = RequestJson.string(body.get(), "model");
    if (dialect.kind() == SimKind.LLAMA_SERVER) {
      ModelCatalog.Model only = catalog.all().get(0);
      return Optional.of(new Requested(body.get(), only, only.name()));
    }
    if (name == null || name.isEmpty()) {
      errors.error(ctx, 400, "model is required");
      return Optional.empty();
    }
    Optional<ModelCatalog.Model> model = catalog.find(name);
    if (model.isEmpty()) {
      errors.error(ctx, 404, "model " + OllamaApi.goQuote(name) + " not found, try pulling it first");
      return Optional.empty();
    }
    return Optional.of(new Requested(body.get(), model.get(), name));
  }
}
