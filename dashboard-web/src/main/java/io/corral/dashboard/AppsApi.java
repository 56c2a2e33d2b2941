package io.corral.dashboard;

import io.corral.cluster.apps.AppRegistry;
import io.corral.cluster.apps.RegisteredApp;
import io.corral.cluster.events.EventStream;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code POST /api/applications/register|heartbeat|unregister}: apps that use corral announce themselves (name,
 * version, kind) and keep their entry alive with heartbeats; the registry is shared cluster-wide, so an app may
 * talk to any member. Bad bodies get 400, unknown apps 404, in Ollama's {@code {"error": "..."}} shape.
 *
 * <p>Runs on event loops; every registry call is async.
 */
final class AppsApi {

  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._:/@+-]{0,99}");
  private static final int MAX_FIELD = 200;
  /**
   * Applications the cluster keeps registered at once: far more than a LAN runs, few enough that the dashboard's
   * snapshot (and every viewer's stream) stays small when a script registers thousands.
   */
  static final int MAX_APPS = 500;

  private final AppRegistry registry;
  private final EventStream events;
  private final DashboardSettings settings;
  private final String apiUrl;
  private final InstantSource clock;
  /** Apps the leader has already reported stale (so each goes stale in the log once). */
  private final Set<String> reportedStale = new HashSet<>();

  AppsApi(AppRegistry registry, EventStream events, DashboardSettings settings, String apiUrl, InstantSource clock) {
    this.registry = registry;
    this.events = events;
    this.settings = settings;
    this.apiUrl = apiUrl;
    this.clock = clock;
  }

  void mount(Router router) {
    BodyHandler body = BodyHandler.create(false).setBodyLimit(64 * 1024).setHandleFileUploads(false);
    router.post("/api/applications/register").handler(body).handler(this::register);
    router.post("/api/applications/heartbeat").handler(body).handler(this::heartbeat);
    router.post("/api/applications/unregister").handler(body).handler(this::unregister);
  }

  private void register(RoutingContext ctx) {
    JsonObject in = bodyOf(ctx);
    if (in == null) {
      return;
    }
    String name = nameOf(ctx, in);
    String version = optional(ctx, in, "version");
    String kind = in.containsKey("kind") ? optional(ctx, in, "kind") : optional(ctx, in, "router_type");
    String dashboardUrl = in.containsKey("dashboardUrl") ? optional(ctx, in, "dashboardUrl")
        : optional(ctx, in, "dashboard_url");
    if (name == null || version == null || kind == null || dashboardUrl == null) {
      return;
    }
    if (!SafeLinks.isWebLink(dashboardUrl) && !dashboardUrl.isEmpty()) {
      error(ctx, 400, "\"dashboardUrl\" must be an http:// or https:// URL");
      return;
    }
    long now = clock.millis();
    boolean known = registry.get(name).isPresent();
    if (!known && registry.all().size() >= MAX_APPS && !makeRoom(now)) {
      ctx.response().putHeader("Retry-After", "60");
      error(ctx, 503, "the cluster already has " + MAX_APPS + " registered applications, none of them stale; "
          + "unregister one first");
      return;
    }
    RegisteredApp app = new RegisteredApp(name, version, kind, dashboardUrl, apiUrl, now, now);
    Future.fromCompletionStage(registry.register(app), ctx.vertx().getOrCreateContext()).onComplete(ar -> {
      if (ar.failed()) {
        error(ctx, 503, "cannot reach the cluster's app registry: " + ar.cause().getMessage());
        return;
      }
      if (!known) {
        events.publish("app_registered", name, name + (version.isEmpty() ? "" : " " + version) + " (" + app.kind()
            + ") registered through " + apiUrl);
      }
      RegisteredApp stored = registry.get(name).orElse(app);
      json(ctx, 200, new JsonObject().put("status", "registered").put("application", appJson(stored))
          .put("heartbeatIntervalSeconds", Math.max(1, settings.appStaleAfter().toSeconds() / 3))
          .put("staleAfterSeconds", settings.appStaleAfter().toSeconds())
          .put("removeAfterSeconds", settings.appRemoveAfter().toSeconds()));
    });
  }

  /**
   * Room for one more app when the registry is full: the app whose heartbeat is oldest among the stale ones goes
   * (it has missed its heartbeats and would go anyway). False when none is stale.
   */
  private boolean makeRoom(long now) {
    long staleBefore = now - settings.appStaleAfter().toMillis();
    return registry.all().stream().filter(a -> a.lastHeartbeatMillis() < staleBefore)
        .min(Comparator.comparingLong(RegisteredApp::lastHeartbeatMillis))
        .map(oldest -> {
          registry.unregister(oldest.name());
          return true;
        }).orElse(false);
  }

  private void heartbeat(RoutingContext ctx) {
    JsonObject in = bodyOf(ctx);
    String name = in == null ? null : nameOf(ctx, in);
    if (name == null) {
      return;
    }
    Future.fromCompletionStage(registry.heartbeat(name, clock.millis()), ctx.vertx().getOrCreateContext())
        .onComplete(ar -> {
          if (ar.failed()) {
            error(ctx, 503, "cannot reach the cluster's app registry: " + ar.cause().getMessage());
          } else if (ar.result().isEmpty()) {
            error(ctx, 404, "application '" + name + "' is not registered (register it first: POST "
                + "/api/applications/register)");
          } else {
            json(ctx, 200, new JsonObject().put("status", "ok").put("application", appJson(ar.result().get())));
          }
        });
  }

  private void unregister(RoutingContext ctx) {
    JsonObject in = bodyOf(ctx);
    String name = in == null ? null : nameOf(ctx, in);
    if (name == null) {
      return;
    }
    Future.fromCompletionStage(registry.unregister(name), ctx.vertx().getOrCreateContext()).onComplete(ar -> {
      if (ar.failed()) {
        error(ctx, 503, "cannot reach the cluster's app registry: " + ar.cause().getMessage());
      } else if (!ar.result()) {
        error(ctx, 404, "application '" + name + "' is not registered");
      } else {
        events.publish("app_unregistered", name, name + " unregistered through " + apiUrl);
        json(ctx, 200, new JsonObject().put("status", "unregistered").put("name", name));
      }
    });
  }

  /** Leader only, once per statistics interval: apps that just went stale are reported once. */
  void reportStale() {
    long now = clock.millis();
    Set<String> staleNow = new HashSet<>();
    for (RegisteredApp a : registry.all()) {
      if (now - a.lastHeartbeatMillis() > settings.appStaleAfter().toMillis()) {
        staleNow.add(a.name());
        if (reportedStale.add(a.name())) {
          events.publish("app_stale", a.name(), a.name() + " sent no heartbeat for "
              + (now - a.lastHeartbeatMillis()) / 1000 + " s (removed after " + settings.appRemoveAfter().toSeconds()
              + " s)");
        }
      }
    }
    reportedStale.retainAll(staleNow);
  }

  static JsonObject appJson(RegisteredApp a) {
    return new JsonObject().put("name", a.name()).put("version", a.version()).put("kind", a.kind())
        .put("dashboardUrl", SafeLinks.orEmpty(a.dashboardUrl())).put("member", a.member()).put("registeredAt", a.registeredAtMillis())
        .put("lastHeartbeat", a.lastHeartbeatMillis());
  }

  private static JsonObject bodyOf(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      error(ctx, 400, "request body is required: a JSON object with a \"name\"");
      return null;
    }
    try {
      Object parsed = Json.decodeValue(body);
      if (parsed instanceof JsonObject o) {
        return o;
      }
      error(ctx, 400, "request body must be a JSON object with a \"name\"");
    } catch (DecodeException e) {
      error(ctx, 400, "invalid JSON in request body");
    }
    return null;
  }

  private static String nameOf(RoutingContext ctx, JsonObject in) {
    Object v = in.getValue("name");
    if (!(v instanceof String s) || !NAME.matcher(s.trim()).matches()) {
      error(ctx, 400, "\"name\" is required: 1-100 characters, starting with a letter or digit (letters, digits, "
          + "space and ._:/@+- allowed)");
      return null;
    }
    return s.trim();
  }

  /** An optional text field: "" when absent, null (and a 400 sent) when present but not short text. */
  private static String optional(RoutingContext ctx, JsonObject in, String field) {
    Object v = in.getValue(field);
    if (v == null) {
      return "";
    }
    if (!(v instanceof String s) || s.length() > MAX_FIELD) {
      if (!ctx.response().ended()) {
        error(ctx, 400, "\"" + field + "\" must be text of at most " + MAX_FIELD + " characters");
      }
      return null;
    }
    return s.trim();
  }

  static void error(RoutingContext ctx, int status, String message) {
    json(ctx, status, new JsonObject().put("error", message));
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json; charset=utf-8")
        .end(body.encode());
  }
}
