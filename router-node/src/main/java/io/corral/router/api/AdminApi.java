package io.corral.router.api;

import io.corral.cluster.backends.BackendOverrides;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.events.EventStream;
import io.corral.discovery.BackendSpec;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operators change the fleet at runtime through any member; the change is shared cluster-wide
 * ({@link BackendOverrides}). {@code POST /admin/backends} adds a backend ({@code {"url", "slots"?, "kind"?, "firstTokenTimeout"?, ...}}),
 * {@code DELETE /admin/backends/{id}} removes one added that way, {@code POST /admin/backends/{id}/drain} stops
 * new requests to a backend while it finishes the running ones, {@code /enable} ends that. {@code {id}} is the
 * backend's {@code host:port} (or its URL, percent-encoded). With an admin token configured every call must carry
 * it ({@code Authorization: Bearer <token>}); errors are {@code {"error": "..."}} with the right status, and a
 * refused call changes nothing.
 */
public final class AdminApi {

  private static final Logger log = LoggerFactory.getLogger(AdminApi.class);

  private final BackendRegistry backends;
  private final BackendOverrides overrides;
  private final byte[] token;
  private final EventStream events;

  /** @param token the admin token; empty means the admin API needs none (loopback-only setups) */
  public AdminApi(BackendRegistry backends, BackendOverrides overrides, String token, EventStream events) {
    this.backends = backends;
    this.events = events;
    this.overrides = overrides;
    this.token = token.getBytes(StandardCharsets.UTF_8);
  }

  public void mount(Router router) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(64 * 1024).setHandleFileUploads(false);
    router.route("/admin/*").handler(this::authorize);
    router.post("/admin/backends").handler(body).handler(this::add);
    router.delete("/admin/backends/:id").handler(this::remove);
    router.post("/admin/backends/:id/drain").handler(ctx -> drain(ctx, true));
    router.post("/admin/backends/:id/enable").handler(ctx -> drain(ctx, false));
  }

  private void authorize(RoutingContext ctx) {
    if (token.length == 0) {
      ctx.next();
      return;
    }
    String header = ctx.request().getHeader("Authorization");
    String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim()
        : "";
    if (!MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
      error(ctx, 401, header == null ? "the admin API needs the admin token: Authorization: Bearer <token>"
          : "wrong admin token");
      return;
    }
    ctx.next();
  }

  private void add(RoutingContext ctx) {
    JsonObject json;
    try {
      json = ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      error(ctx, 400, "body must be a JSON object like {\"url\": \"http://host:11434\", \"slots\": 2}");
      return;
    }
    if (json == null || !(json.getValue("url") instanceof String url) || url.isBlank()) {
      error(ctx, 400, "\"url\" is required, e.g. {\"url\": \"http://host:11434\"}");
      return;
    }
    String text;
    BackendSpec spec;
    try {
      text = BackendSpec.flagFormOf(json.getMap());
      spec = BackendSpec.parse(text);
    } catch (IllegalArgumentException e) {
      error(ctx, 400, e.getMessage());
      return;
    }
    String id = spec.id().value();
    done(ctx, overrides.add(id, text), 201, new JsonObject().put("id", id).put("status", "added"));
    log.info("event=admin_backend_added backend={} spec=\"{}\"", id, text);
    events.publish("admin_backend_added", id, text);
  }

  private void remove(RoutingContext ctx) {
    String id = idOf(ctx);
    if (overrides.added(id).isPresent()) {
      log.info("event=admin_backend_removed backend={}", id);
      events.publish("admin_backend_removed", id, "");
      done(ctx, overrides.removeAdded(id).thenCompose(v -> backends.remove(id)), 200,
          new JsonObject().put("id", id).put("status", "removed"));
    } else if (backends.get(id).isPresent()) {
      error(ctx, 409, "backend " + id + " was not added through the admin API (it is configured, listed in a "
          + "backends file or found by a scan): remove it there, or drain it");
    } else {
      error(ctx, 404, "no backend " + id);
    }
  }

  private void drain(RoutingContext ctx, boolean drain) {
    String id = idOf(ctx);
    Optional<BackendState> known = backends.get(id);
    if (known.isEmpty() && overrides.added(id).isEmpty()) {
      error(ctx, 404, "no backend " + id);
      return;
    }
    log.info("event=admin_backend_{} backend={}", drain ? "drained" : "enabled", id);
    events.publish(drain ? "admin_backend_drained" : "admin_backend_enabled", id, "");
    done(ctx, drain ? overrides.drain(id) : overrides.enable(id), 200,
        new JsonObject().put("id", id).put("status", drain ? "draining" : "enabled"));
  }

  /** {@code host:port}, or a full URL (Vert.x has already percent-decoded the path parameter). */
  private static String idOf(RoutingContext ctx) {
    String raw = ctx.pathParam("id");
    String url = raw.contains("://") ? raw : "http://" + raw;
    try {
      return BackendSpec.parse(url).id().value();
    } catch (IllegalArgumentException e) {
      return url;
    }
  }

  private static void done(RoutingContext ctx, CompletionStage<Void> change, int status, JsonObject answer) {
    Future.fromCompletionStage(change, ctx.vertx().getOrCreateContext()).onComplete(ar -> {
      if (ar.failed()) {
        error(ctx, 503, "the cluster could not store the change: " + ar.cause().getMessage());
      } else {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
            .end(answer.encode());
      }
    });
  }

  private static void error(RoutingContext ctx, int status, String message) {
    ApiErrors.send(ctx.response(), ApiFamily.OLLAMA, status, message, "admin_error");
  }
}
