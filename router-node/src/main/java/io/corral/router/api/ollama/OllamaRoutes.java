package io.corral.router.api.ollama;

import io.corral.cluster.backends.BackendId;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.backends.ModelNames;
import io.corral.router.api.AdminAccess;
import io.corral.router.protocol.ApiErrors;
import io.corral.router.protocol.ApiFamily;
import io.corral.router.api.BackendFanOut;
import io.corral.router.api.ModelRequests;
import io.corral.router.api.RequestIds;
import io.corral.router.proxy.ProxyCall;
import io.corral.router.proxy.StreamingProxy;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ollama's API, served as if this member were one Ollama server: generation and embeddings go to a backend
 * that has the model; listings ({@code /api/tags}, {@code /api/ps}) are the union over healthy Ollama backends;
 * model management goes to the backend named by {@code X-Corral-Backend}.
 */
public final class OllamaRoutes {

  /** The Ollama API version this member claims when no Ollama backend reports one. */
  public static final String COMPATIBLE_VERSION = "0.12.6";

  private final BackendRegistry backends;
  private final ModelRequests modelRequests;
  private final BackendFanOut fanOut;
  private final StreamingProxy proxy;
  private final AdminAccess admin;
  /** Spreads {@code /api/show} over the backends that have the model. */
  private final AtomicInteger showRotation = new AtomicInteger();

  public OllamaRoutes(BackendRegistry backends, ModelRequests modelRequests, BackendFanOut fanOut,
      StreamingProxy proxy, AdminAccess admin) {
    this.admin = admin;
    this.backends = backends;
    this.modelRequests = modelRequests;
    this.fanOut = fanOut;
    this.proxy = proxy;
  }

  public void mount(Router router, BodyHandler body) {
    router.route(HttpMethod.GET, "/").handler(this::root);
    router.route(HttpMethod.HEAD, "/").handler(this::root);
    for (String path : List.of("/api/chat", "/api/generate", "/api/embed", "/api/embeddings")) {
      String route = path.substring("/api/".length());
      router.post(path).handler(body).handler(ctx -> modelRequests.handle(ctx, ApiFamily.OLLAMA, route));
    }
    router.post("/api/show").handler(body).handler(this::show);
    router.get("/api/tags").handler(this::tags);
    router.get("/api/ps").handler(this::ps);
    router.get("/api/version").handler(this::version);
    // Ollama answers HEAD on both (clients use it as a cheap "is it up"); the body is never needed
    for (String path : List.of("/api/tags", "/api/version")) {
      router.route(HttpMethod.HEAD, path).handler(ctx -> ctx.response()
          .putHeader("Content-Type", "application/json; charset=utf-8").end());
    }
    // model management changes a backend: the cluster's admin token first, before any body is read (a route of its
    // own, since a body handler must come first within a route)
    for (String path : List.of("/api/pull", "/api/push", "/api/create", "/api/copy", "/api/delete",
        "/api/blobs/:digest")) {
      router.route(path).handler(admin::guard);
    }
    for (String path : List.of("/api/pull", "/api/push", "/api/create", "/api/copy")) {
      router.post(path).handler(body).handler(this::management);
    }
    router.delete("/api/delete").handler(body).handler(this::management);
    router.route(HttpMethod.HEAD, "/api/blobs/:digest").handler(body).handler(this::management);
    router.post("/api/blobs/:digest").handler(body).handler(this::management);
  }

  private void root(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "text/plain; charset=utf-8");
    if (ctx.request().method() == HttpMethod.HEAD) {
      ctx.response().putHeader("Content-Length", "17").end();
    } else {
      ctx.response().end("Ollama is running");
    }
  }

  private List<BackendState> healthyOllamas() {
    return backends.all().stream().filter(b -> b.isUp() && b.kind().servesOllamaApi())
        .sorted(Comparator.comparing(BackendState::id)).toList();
  }

  private void tags(RoutingContext ctx) {
    fanOut.get(healthyOllamas(), "/api/tags").onComplete(ar -> {
      Map<String, JsonObject> byName = new LinkedHashMap<>();
      for (BackendFanOut.Answer a : ar.result()) {
        for (Object o : a.body().getJsonArray("models", new JsonArray())) {
          if (o instanceof JsonObject m) {
            byName.putIfAbsent(m.getString("name", m.getString("model", "")), m);
          }
        }
      }
      json(ctx, new JsonObject().put("models", new JsonArray(List.copyOf(byName.values()))));
    });
  }

  private void ps(RoutingContext ctx) {
    fanOut.get(healthyOllamas(), "/api/ps").onComplete(ar -> {
      JsonArray models = new JsonArray();
      for (BackendFanOut.Answer a : ar.result()) {
        for (Object o : a.body().getJsonArray("models", new JsonArray())) {
          if (o instanceof JsonObject m) {
            models.add(m.copy().put("corral_backend", a.backend().id()));
          }
        }
      }
      json(ctx, new JsonObject().put("models", models));
    });
  }

  private void version(RoutingContext ctx) {
    // the oldest version among the backends: clients gate features on it, so claim only what all support
    String v = healthyOllamas().stream().map(BackendState::version).filter(s -> !s.isBlank())
        .min(OllamaRoutes::compareVersions).orElse(COMPATIBLE_VERSION);
    json(ctx, new JsonObject().put("version", v));
  }

  /**
   * A model's details. Ollama answers them from the model's files, without a runner slot, so this takes no slot
   * lease either: a client that looks up a model (chat UIs do, often) does not wait behind running generations.
   * Any healthy backend with the model will do; one that has it loaded first.
   */
  private void show(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    JsonObject json;
    try {
      json = body == null || body.length() == 0 ? null
          : io.vertx.core.json.Json.decodeValue(body) instanceof JsonObject o ? o : null;
    } catch (DecodeException e) {
      json = null;
    }
    if (json == null) {
      ApiErrors.send(ctx.response(), ApiFamily.OLLAMA, 400, "request body must be a JSON object with a \"model\"",
          "invalid_json");
      return;
    }
    // older clients send "name"
    Object named = json.getValue("model") instanceof String m && !m.isBlank() ? m : json.getValue("name");
    if (!(named instanceof String raw) || raw.isBlank()) {
      ApiErrors.send(ctx.response(), ApiFamily.OLLAMA, 400, "model is required", "missing_model");
      return;
    }
    String model = ModelNames.normalize(raw);
    List<BackendState> serving = healthyOllamas().stream().filter(b -> b.serves(model))
        .sorted(Comparator.comparing((BackendState b) -> !b.loadedModels().contains(model))).toList();
    if (serving.isEmpty()) {
      ApiErrors.send(ctx.response(), ApiFamily.OLLAMA, 404, "model '" + raw + "' not found", "model_not_found");
      return;
    }
    long loaded = serving.stream().filter(b -> b.loadedModels().contains(model)).count();
    int among = (int) (loaded > 0 ? loaded : serving.size());
    BackendState target = serving.get(Math.floorMod(showRotation.getAndIncrement(), among));
    ctx.response().putHeader("X-Corral-Backend", target.id());
    proxy.forward(ProxyCall.to(target.backendId(), ctx.request(), ctx.response(), body, ApiFamily.OLLAMA,
        RequestIds.of(ctx), RequestIds.clientGone(ctx)).withTimeouts(target.timeouts()));
  }

  /** Pull, push, create, copy, delete, blobs: only meaningful on one named backend. */
  private void management(RoutingContext ctx) {
    String named = ctx.request().getHeader("X-Corral-Backend");
    List<BackendState> ollamas = backends.all().stream().filter(b -> b.kind().servesOllamaApi()).toList();
    if (named == null || named.isBlank()) {
      ApiErrors.send(ctx.response(), ApiFamily.OLLAMA, 400, "model management needs the header X-Corral-Backend "
          + "naming the Ollama backend to act on (one of: " + String.join(", ", ollamas.stream()
          .map(BackendState::id).toList()) + ")", "missing_backend");
      return;
    }
    Optional<BackendState> target;
    try {
      String id = BackendId.of(named).value();
      target = ollamas.stream().filter(b -> b.id().equals(id)).findFirst();
    } catch (IllegalArgumentException e) {
      target = Optional.empty();
    }
    if (target.isEmpty()) {
      ApiErrors.send(ctx.response(), ApiFamily.OLLAMA, 404, "X-Corral-Backend '" + named
          + "' is not a known Ollama backend", "unknown_backend");
      return;
    }
    ctx.response().putHeader("X-Corral-Backend", target.get().id());
    proxy.forward(ProxyCall.to(target.get().backendId(), ctx.request(), ctx.response(),
        ctx.body().buffer() == null ? io.vertx.core.buffer.Buffer.buffer() : ctx.body().buffer(), ApiFamily.OLLAMA,
        RequestIds.of(ctx), RequestIds.clientGone(ctx)));
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(body.encode());
  }

  static int compareVersions(String a, String b) {
    String[] x = a.split("[.-]");
    String[] y = b.split("[.-]");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int c = Integer.compare(num(x, i), num(y, i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }

  private static int num(String[] parts, int i) {
    if (i >= parts.length) {
      return 0;
    }
    try {
      return Integer.parseInt(parts[i]);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
