package io.corral.router.api.openai;

import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import io.corral.router.api.ApiFamily;
import io.corral.router.api.BackendFanOut;
import io.corral.router.api.ModelRequests;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OpenAI API ({@code /v1/*}) as served by Ollama and llama-server natively: requests are forwarded as they
 * are to a backend that has the model; {@code GET /v1/models} is the union over healthy backends.
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
  }

  private void models(RoutingContext ctx) {
    List<BackendState> healthy = backends.all().stream().filter(b -> b.isUp() && b.kind().servesOpenAiApi())
        .sorted(Comparator.comparing(BackendState::id)).toList();
    fanOut.get(healthy, "/v1/models").onComplete(ar -> {
      Map<String, JsonObject> byId = new LinkedHashMap<>();
      for (BackendFanOut.Answer a : ar.result()) {
        for (Object o : a.body().getJsonArray("data", new JsonArray())) {
          if (o instanceof JsonObject m && m.getString("id") != null) {
            byId.putIfAbsent(m.getString("id"), m);
          }
        }
      }
      ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(new JsonObject()
          .put("object", "list").put("data", new JsonArray(List.copyOf(byId.values()))).encode());
    });
  }
}
