package io.corral.router.api.openai;

import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.backends.ModelNames;
import io.corral.router.protocol.ApiErrors;
import io.corral.router.protocol.ApiFamily;
import io.corral.router.api.BackendFanOut;
import io.corral.router.api.ModelRequests;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The OpenAI API ({@code /v1/*}) as served by Ollama and llama-server natively: requests are forwarded as they
 * are to a backend that has the model; {@code GET /v1/models} is the union over healthy backends and
 * {@code GET /v1/models/{id}} one model of it.
 */
public final class OpenAiRoutes {

  private final BackendRegistry backends;
  private final ModelRequests modelRequests;
  private final BackendFanOut fanOut;

  public OpenAiRoutes(BackendRegistry backends, ModelRequests modelRequests, BackendFanOut fanOut) {
    this.backends = backends;
    this.modelRequests = modelRequests;
    this.fanOut = fanOut;
  }

  public void mount(Router router, BodyHandler body) {
    for (String path : List.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings")) {
      String route = path.substring(1).replace('/', '_');
      router.post(path).handler(body).handler(ctx -> modelRequests.handle(ctx, ApiFamily.OPENAI, route));
    }
    router.get("/v1/models").handler(this::models);
    router.get("/v1/models/*").handler(this::model);
  }

  private void models(RoutingContext ctx) {
    listed().onComplete(ar -> {
      if (ar.failed()) {
        failed(ctx, ar.cause());
        return;
      }
      ctx.response().putHeader("Content-Type", "application/json; charset=utf-8")
          .end(new JsonObject().put("object", "list").put("data", new JsonArray(ar.result())).encode());
    });
  }

  /** {@code GET /v1/models/{id}} ({@code client.models.retrieve()}); ids may contain '/'. */
  private void model(RoutingContext ctx) {
    String raw;
    try {
      raw = URLDecoder.decode(ctx.request().path().substring("/v1/models/".length()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      ApiErrors.send(ctx.response(), ApiFamily.OPENAI, 400, "bad model id in the path: " + e.getMessage(),
          "invalid_model_id");
      return;
    }
    String wanted = ModelNames.normalize(raw);
    listed().onComplete(ar -> {
      if (ar.failed()) {
        failed(ctx, ar.cause());
        return;
      }
      for (JsonObject m : ar.result()) {
        if (ModelNames.normalize(m.getString("id")).equals(wanted)) {
          ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(m.encode());
          return;
        }
      }
      ApiErrors.send(ctx.response(), ApiFamily.OPENAI, 404, "The model `" + raw + "` does not exist or no backend "
          + "serves it", "model_not_found");
    });
  }

  private static void failed(RoutingContext ctx, Throwable err) {
    ApiErrors.send(ctx.response(), ApiFamily.OPENAI, 502, "could not list the backends' models: " + err,
        "backend_error");
  }

  /**
   * The union over healthy backends, one entry per model as corral routes it: names normalized ({@code llama3}
   * and {@code llama3:latest} are one model) and a llama-server's file path shown as the alias corral routes.
   */
  private Future<List<JsonObject>> listed() {
    List<BackendState> healthy = backends.all().stream().filter(b -> b.isUp() && b.kind().servesOpenAiApi())
        .sorted(Comparator.comparing(BackendState::id)).toList();
    return fanOut.get(healthy, "/v1/models").map(answers -> {
      Map<String, JsonObject> byName = new LinkedHashMap<>();
      for (BackendFanOut.Answer a : answers) {
        // a backend's odd answer (no list, an id that is not a string) leaves its models out, nothing more
        if (!(a.body().getValue("data") instanceof JsonArray data)) {
          continue;
        }
        for (Object o : data) {
          if (o instanceof JsonObject m && m.getValue("id") instanceof String id) {
            String shown = id.contains("/") || id.toLowerCase(Locale.ROOT).endsWith(".gguf")
                ? ModelNames.aliasFromPath(id) : id;
            if (!shown.isBlank()) {
              byName.putIfAbsent(ModelNames.normalize(shown), m.copy().put("id", shown));
            }
          }
        }
      }
      return List.copyOf(byName.values());
    });
  }
}
