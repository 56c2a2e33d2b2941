package io.corral.dashboard;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The dashboard's HTTP surface, the same on every member's API port and on the leader's dashboard port: the page
 * and its assets under {@code /dashboard}, the live stream {@code /dashboard/events} (SSE), the JSON endpoints
 * ({@code /api/dashboard}, {@code /api/members}, {@code /api/backends}, {@code /api/queue}, {@code /api/events},
 * {@code /api/applications}) and {@code /metrics/cluster}. Read-only endpoints send
 * {@code Access-Control-Allow-Origin: *} so a page served by one member can follow another when its own dies.
 *
 * <p>Every answer is built from local views; nothing here waits on the cluster.
 */
final class DashboardRoutes {

  private static final String ASSETS = "web/";

  private final Dashboard dashboard;
  private final AppsApi apps;
  private final String page;
  private final String script;
  private final String style;

  DashboardRoutes(Dashboard dashboard, AppsApi apps) {
    this.dashboard = dashboard;
    this.apps = apps;
    this.page = asset("dashboard.html");
    this.script = asset("dashboard.js");
    this.style = asset("dashboard.css");
  }

  private static String asset(String name) {
    try (InputStream in = DashboardRoutes.class.getResourceAsStream(ASSETS + name)) {
      if (in == null) {
        throw new IllegalStateException("dashboard asset " + name + " missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void mount(Router router) {
    router.get("/dashboard").handler(ctx -> text(ctx, "text/html; charset=utf-8", page));
    router.get("/dashboard/").handler(ctx -> ctx.redirect("/dashboard"));
    router.get("/dashboard/dashboard.js").handler(ctx -> text(ctx, "text/javascript; charset=utf-8", script));
    router.get("/dashboard/dashboard.css").handler(ctx -> text(ctx, "text/css; charset=utf-8", style));
    router.get("/dashboard/events").handler(this::stream);
    router.get("/api/dashboard").handler(ctx -> json(ctx, dashboard.snapshot()
        .put("events", EventLog.toJson(dashboard.events().since(-1, 200)))));
    router.get("/api/members").handler(ctx -> json(ctx, new JsonObject().put("members",
        dashboard.view().members(dashboard.view().docs()))));
    router.get("/api/backends").handler(ctx -> json(ctx, new JsonObject().put("backends",
        dashboard.view().backends(dashboard.view().docs()))));
    router.get("/api/queue").handler(ctx -> json(ctx, dashboard.view().queue(dashboard.view().docs())));
    router.get("/api/events").handler(this::events);
    router.get("/api/applications").handler(ctx -> json(ctx, new JsonObject().put("applications",
        dashboard.view().applications(dashboard.view().docs()))));
    apps.mount(router);
    router.get("/metrics/cluster").handler(this::metrics);
  }

  private void stream(RoutingContext ctx) {
    long since = longParam(ctx.request().getHeader("Last-Event-ID"), -1);
    since = longParam(ctx.request().getParam("since"), since);
    cors(ctx);
    dashboard.live().add(ctx.response(), dashboard.events().since(since, 500));
  }

  private void events(RoutingContext ctx) {
    String sinceText = ctx.request().getParam("since");
    String limitText = ctx.request().getParam("limit");
    long since;
    int limit;
    try {
      since = sinceText == null ? -1 : Long.parseLong(sinceText.trim());
      limit = limitText == null ? 1000 : Integer.parseInt(limitText.trim());
      if (limit < 1) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      cors(ctx);
      AppsApi.error(ctx, 400, "since must be an event id (a whole number, -1 for all) and limit a positive number");
      return;
    }
    var list = dashboard.events().since(since, Math.min(limit, 10_000));
    JsonArray out = EventLog.toJson(list);
    json(ctx, new JsonObject().put("events", out)
        .put("lastId", list.isEmpty() ? since : list.get(list.size() - 1).id())
        .put("log", dashboard.events().stats()));
  }

  private void metrics(RoutingContext ctx) {
    ClusterView view = dashboard.view();
    Map<String, JsonObject> docs = view.docs();
    String text = ClusterMetricsText.render(docs, view.members(docs), view.backends(docs), view.queue(docs),
        view.applications(docs));
    // scrapers send no Origin: no CORS header, so no web page can read the cluster's figures
    ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(text);
  }

  private static long longParam(String value, long otherwise) {
    if (value == null || value.isBlank()) {
      return otherwise;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }

  /**
   * Lets a dashboard page served by another member (its API port or the leader's dashboard port) read this member's
   * stream and JSON: the page fails over to another member when its own goes away. Any other origin gets no CORS
   * header, so a foreign page cannot read the cluster's data.
   */
  private void cors(RoutingContext ctx) {
    String origin = ctx.request().getHeader("Origin");
    if (origin != null && dashboard.isMemberOrigin(origin)) {
      ctx.response().putHeader("Access-Control-Allow-Origin", origin).putHeader("Vary", "Origin");
    }
  }

  /**
   * The page, its script and its style: scripts only from here (no inline script, nothing from elsewhere), no
   * framing (clickjacking), no sniffing a type into another.
   */
  private static void text(RoutingContext ctx, String type, String body) {
    ctx.response().putHeader("Content-Type", type).putHeader("Cache-Control", "no-cache")
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff").putHeader("X-Frame-Options", "DENY")
        .putHeader("Referrer-Policy", "no-referrer").end(body);
  }

  /**
   * The page's own scripts only; it opens event streams and reads JSON from other members (failover), so connections
   * may go to other origins; inline styles are used for bar widths.
   */
  static final String CONTENT_SECURITY_POLICY = "script-src 'self'; object-src 'none'; base-uri 'none'; "
      + "frame-ancestors 'none'; form-action 'none'";

  private void json(RoutingContext ctx, JsonObject body) {
    cors(ctx);
    ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(body.encode());
  }
}
