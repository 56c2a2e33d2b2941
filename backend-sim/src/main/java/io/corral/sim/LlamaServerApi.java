package io.corral.sim;

import static io.corral.sim.ApiFamily.LLAMA_SERVER;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * llama-server's own endpoints (started with {@code --metrics --slots}): {@code /health}, {@code /props},
 * {@code /slots}, {@code /metrics} and the native {@code /completion}. Shapes follow a real server.
 */
final class LlamaServerApi {

  private static final String CHAT_TEMPLATE =
      "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
          + "{% if add_generation_prompt %}assistant:{% endif %}";

  private final ModelCatalog catalog;
  private final GenerationEngine engine;
  private final SlotScheduler scheduler;
  private final GenerationTotals totals;
  private final String buildInfo;

  LlamaServerApi(ModelCatalog catalog, GenerationEngine engine, SlotScheduler scheduler, GenerationTotals totals,
      String buildInfo) {
    this.catalog = catalog;
    this.engine = engine;
    this.scheduler = scheduler;
    this.totals = totals;
    this.buildInfo = buildInfo;
  }

  void mount(Router router) {
    router.route().handler(ctx -> {
      ctx.response().putHeader("Server", "llama.cpp");
      ctx.next();
    });
    router.get("/health").handler(this::health);
    router.get("/v1/health").handler(this::health);
    router.get("/props").handler(this::props);
    router.get("/slots").handler(this::slots);
    router.get("/metrics").handler(this::metrics);
    router.post("/completion").handler(this::completion);
    router.post("/completions").handler(this::completion);
  }

  private void health(RoutingContext ctx) {
    ApiFamily.sendJson(ctx, new JsonObject().put("status", "ok"));
  }

  private void props(RoutingContext ctx) {
    String alias = catalog.all().get(0).name();
    JsonObject params = new JsonObject().put("seed", 4294967295L).put("temperature", 0.8).put("top_k", 40)
        .put("top_p", 0.95).put("min_p", 0.05).put("max_tokens", -1).put("n_predict", -1).put("n_keep", 0)
        .put("ignore_eos", false).put("stream", false).put("n_probs", 0);
    ApiFamily.sendJson(ctx, new JsonObject()
        .put("default_generation_settings", new JsonObject().put("params", params)
            .put("n_ctx", ModelCatalog.CONTEXT_LENGTH))
        .put("total_slots", scheduler.slots())
        .put("model_alias", alias)
        .put("model_path", "/models/" + alias + ".gguf")
        .put("modalities", new JsonObject().put("vision", false).put("audio", false))
        .put("endpoint_slots", true)
        .put("endpoint_props", false)
        .put("endpoint_metrics", true)
        .put("chat_template", CHAT_TEMPLATE)
        .put("bos_token", "<s>")
        .put("eos_token", "</s>")
        .put("build_info", buildInfo));
  }

  private void slots(RoutingContext ctx) {
    JsonArray slots = new JsonArray();
    List<Boolean> processing = scheduler.slotsProcessing();
    for (int id = 0; id < processing.size(); id++) {
      slots.add(new JsonObject().put("id", id).put("id_task", processing.get(id) ? id + 1 : -1)
          .put("n_ctx", ModelCatalog.CONTEXT_LENGTH).put("speculative", false)
          .put("is_processing", processing.get(id)));
    }
    ApiFamily.sendJson(ctx, slots);
  }

  private void metrics(RoutingContext ctx) {
    SimStats stats = scheduler.stats();
    StringBuilder text = new StringBuilder();
    metric(text, "prompt_tokens_total", "counter",
        "Number of prompt tokens processed, excluding cached tokens", totals.promptTokens());
    metric(text, "prompt_seconds_total", "counter", "Total time spent processing prompts", totals.promptSeconds());
    metric(text, "tokens_predicted_total", "counter", "Number of generation tokens processed",
        totals.predictedTokens());
    metric(text, "tokens_predicted_seconds_total", "counter", "Total time spent generating tokens",
        totals.predictedSeconds());
    metric(text, "n_decode_total", "counter",
        "Total number of llama_decode() calls, excluding speculative decoding and multimodal decoding",
        totals.decodeCalls());
    metric(text, "prompt_tokens_seconds", "gauge", "Average prompt throughput in tokens/s",
        rate(totals.promptTokens(), totals.promptSeconds()));
    metric(text, "predicted_tokens_seconds", "gauge", "Average generation throughput in tokens/s",
        rate(totals.predictedTokens(), totals.predictedSeconds()));
    metric(text, "requests_processing", "gauge", "Number of requests processing", stats.processing());
    metric(text, "requests_deferred", "gauge", "Number of requests deferred", stats.waiting());
    ApiFamily.send(ctx, 200, "text/plain; version=0.0.4", text.toString());
  }

  private void completion(RoutingContext ctx) {
    Optional<JsonObject> parsed = RequestJson.parse(ctx, LLAMA_SERVER);
    if (parsed.isEmpty()) {
      return;
    }
    JsonObject body = parsed.get();
    Object prompt = body.getValue("prompt");
    if (prompt == null) {
      LLAMA_SERVER.invalidRequest(ctx, "[json.exception.out_of_range.403] key 'prompt' not found");
      return;
    }
    Optional<Integer> limit = RequestJson.positiveInt(body, "n_predict", "max_tokens");
    int promptTokens = TokenText.promptWords(prompt);
    GenerationPlan plan = new GenerationPlan(RequestJson.bool(body, "stream", false),
        limit.orElse(engine.options().defaultTokens()), promptTokens);
    String alias = catalog.all().get(0).name();
    engine.serve(ctx, LLAMA_SERVER, alias, plan,
        new LlamaCompletionOutput(alias, prompt instanceof String s ? s : String.valueOf(prompt), promptTokens,
            limit.isPresent()));
  }

  private static double rate(long tokens, double seconds) {
    return seconds == 0 ? 0 : tokens / seconds;
  }

  private static void metric(StringBuilder text, String name, String type, String help, Number value) {
    String full = "llamacpp:" + name;
    String shown = value instanceof Double d ? formatDouble(d) : value.toString();
    text.append("# HELP ").append(full).append(' ').append(help).append('\n')
        .append("# TYPE ").append(full).append(' ').append(type).append('\n')
        .append(full).append(' ').append(shown).append('\n');
  }

  private static String formatDouble(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : String.format(Locale.ROOT, "%.6f", d);
  }
}
