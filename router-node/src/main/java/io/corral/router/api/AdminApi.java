package io.corral.router.api;

import io.corral.cluster.admin.AdminTokens;
import io.corral.cluster.backends.BackendOrigin;
import io.corral.cluster.backends.BackendOverrides;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.events.EventStream;
import io.corral.discovery.BackendSpec;
import io.corral.discovery.net.BackendAddresses;
import io.corral.router.protocol.ApiErrors;
import io.corral.router.protocol.ApiFamily;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operators change the fleet at runtime through any member; the change is shared cluster-wide
 * ({@link BackendOverrides}). {@code POST /admin/backends} adds a backend ({@code {"url", "slots"?, "kind"?, "firstTokenTimeout"?, ...}}),
 * {@code DELETE /admin/backends/{id}} removes one added that way, {@code POST /admin/backends/{id}/drain} stops
 * new requests to a backend while it finishes the running ones, {@code /enable} ends that. {@code {id}} is the
 * backend's {@code host:port} (or its URL, percent-encoded). Every call is checked against the cluster's admin token
 * ({@link AdminAccess}: {@code Authorization: Bearer <token>}); {@code POST /admin/token} sets the first token from
 * the member's own machine, or replaces it for a caller that proves the current one. Errors are
 * {@code {"error": "..."}} with the right status, and a refused call changes nothing.
 */
public final class AdminApi {

  private static final Logger log = LoggerFactory.getLogger(AdminApi.class);

  /** Shorter tokens are refused when set through the API (a configured one only draws a warning). */
  public static final int MIN_TOKEN_CHARS = 16;

  private final BackendRegistry backends;
  private final BackendOverrides overrides;
  private final AdminAccess access;
  private final AdminTokens tokens;
  private final EventStream events;
  /** Where an admin-added backend may be: refused here at once, and checked again on every connect. */
  private final BackendAddresses addresses;

  public AdminApi(BackendRegistry backends, BackendOverrides overrides, AdminAccess access, AdminTokens tokens,
      EventStream events, BackendAddresses addresses) {
    this.addresses = addresses;
    this.backends = backends;
    this.events = events;
    this.overrides = overrides;
    this.access = access;
    this.tokens = tokens;
  }

  public void mount(Router router) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(64 * 1024).setHandleFileUploads(false);
    // before the guard: it has its own rule (the first token from this machine, a new one for the current's holder)
    router.post("/admin/token").handler(body).handler(this::setToken);
    router.route("/admin/*").handler(access::guard);
    router.post("/admin/backends").handler(body).handler(this::add);
    router.delete("/admin/backends/:id").handler(this::remove);
    router.post("/admin/backends/:id/drain").handler(ctx -> drain(ctx, true));
    router.post("/admin/backends/:id/enable").handler(ctx -> drain(ctx, false));
  }

  /**
   * {@code POST /admin/token} with {@code {"token": "..."}}: the cluster's first admin token, only from the member's
   * own machine (a loopback client); or a new one, only for a caller that proves the current one.
   */
  private void setToken(RoutingContext ctx) {
    String token;
    try {
      JsonObject json = ctx.body().asJsonObject();
      token = json == null ? null : json.getString("token");
    } catch (DecodeException | ClassCastException e) {
      token = null;
    }
    if (token == null || token.strip().length() < MIN_TOKEN_CHARS) {
      error(ctx, 400, "body must be {\"token\": \"...\"} with a token of at least " + MIN_TOKEN_CHARS
          + " characters (make one with: openssl rand -hex 24)");
      return;
    }
    String newToken = token.strip();
    if (tokens.isSet()) {
      if (!access.proves(ctx.request().getHeader("Authorization"))) {
        error(ctx, 401, "the cluster has an admin token: only a caller that sends it (Authorization: Bearer "
            + "<token>) may replace it");
        return;
      }
      log.info("event=admin_token_replaced");
      events.publish("admin_token_replaced", "", "");
      done(ctx, tokens.replace(newToken), 200, new JsonObject().put("status", "replaced"));
      return;
    }
    if (!ctx.request().remoteAddress().isInetSocket() || !isLoopback(ctx.request().remoteAddress().hostAddress())) {
      error(ctx, 403, "the cluster's first admin token can be set only from the member's own machine (or with "
          + "CORRAL_ADMIN_TOKEN when a member starts)");
      return;
    }
    ctx.vertx().executeBlocking(() -> tokens.setFirst(newToken), false).onComplete(ar -> {
      if (ar.failed()) {
        error(ctx, 503, "the cluster could not store the token: " + ar.cause().getMessage());
      } else if (!ar.result()) {
        error(ctx, 409, "another admin token was set meanwhile; send it to replace it");
      } else {
        log.info("event=admin_token_set source=loopback_call");
        events.publish("admin_token_set", "", "");
        ctx.response().setStatusCode(201).putHeader("Content-Type", "application/json; charset=utf-8")
            .end(new JsonObject().put("status", "set").encode());
      }
    });
  }

  private static boolean isLoopback(String address) {
    try {
      // a literal from the socket: parsed, never looked up
      return address != null && InetAddress.getByName(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
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
    String specText = text;
    addresses.resolve(spec.id(), BackendOrigin.ADMIN).onComplete(where -> {
      if (where.failed()) {
        boolean outside = where.cause() instanceof BackendAddresses.BackendNotAllowed;
        log.warn("event=admin_backend_refused backend={} reason=\"{}\"", id, where.cause().getMessage());
        error(ctx, outside ? 403 : 400, outside ? where.cause().getMessage()
            : "cannot resolve " + spec.id().host() + ": " + where.cause().getMessage());
        return;
      }
      done(ctx, overrides.add(id, specText), 201, new JsonObject().put("id", id).put("status", "added"));
      log.info("event=admin_backend_added backend={} spec=\"{}\"", id, specText);
      events.publish("admin_backend_added", id, specText);
    });
  }

  private void remove(RoutingContext ctx) {
    String id = idOf(ctx);
    if (overrides.added(id).isPresent()) {
      log.info("event=admin_backend_removed backend={}", id);
      events.publish("admin_backend_removed", id, "");
      done(ctx, overrides.removeAdded(id).thenCompose(v -> backends.remove(id)), 200,
          new JsonObject().put("id", id).put("status", "removed"));
    } else if (backends.get(id).filter(b -> b.origin() == BackendOrigin.ADMIN).isPresent()) {
      // added through the admin API once, and its entry outlived the removal: remove what is left
      log.info("event=admin_backend_removed backend={} orphan=true", id);
      done(ctx, backends.remove(id), 200, new JsonObject().put("id", id).put("status", "removed")
          .put("orphan", true));
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
