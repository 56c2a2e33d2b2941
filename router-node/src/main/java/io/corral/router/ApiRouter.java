package io.corral.router;

import io.corral.router.protocol.ApiErrors;
import io.corral.router.protocol.ApiFamily;
import io.corral.router.api.BodyBudget;
import io.corral.router.api.BrowserOrigins;
import io.corral.router.api.ConnectionGuard;
import io.corral.router.api.MemberApi;
import io.corral.router.api.RequestIds;
import io.corral.router.api.ollama.OllamaRoutes;
import io.corral.router.api.openai.OpenAiRoutes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.CorsHandler;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Assembles a member's HTTP API and answers everything that matched nothing, or failed, in the shape of the API
 * family the path belongs to: unknown route 404, wrong method 405, body over the limit 413, body too slow 408.
 */
public final class ApiRouter {


  private ApiRouter() {}

  public static Router build(Vertx vertx, String memberName, long maxBodySize, Duration bodyTimeout,
      List<String> corsOrigins, ConnectionGuard connections, BodyBudget bodies, MemberApi memberApi,
      OllamaRoutes ollama, OpenAiRoutes openAi, Consumer<Router> extraRoutes) {
    Router router = Router.router(vertx);
    router.route().handler(connections::track);
    router.route().handler(new RequestIds(memberName));
    guard(router, vertx, null, bodyTimeout, corsOrigins, List.of("/", "/api/*", "/v1/*", "/admin/*"));
    router.route().handler(bodies::admit);
    for (String path : List.of("/api/*", "/v1/*")) {
      router.route(path).handler(ApiRouter::jsonDespiteFormLabel);
    }
    BodyHandler body = BodyHandler.create(false).setBodyLimit(maxBodySize).setHandleFileUploads(false);
    memberApi.mount(router);
    ollama.mount(router, body);
    openAi.mount(router, body);
    extraRoutes.accept(router);

    router.errorHandler(404, ctx -> error(ctx, 404, "no such endpoint: " + ctx.request().method() + " "
        + ctx.request().path(), "not_found"));
    router.errorHandler(405, ctx -> error(ctx, 405, "method " + ctx.request().method() + " is not allowed on "
        + ctx.request().path(), "method_not_allowed"));
    router.errorHandler(413, ctx -> error(ctx, 413, "request body is larger than the limit of " + maxBodySize
        + " bytes", "body_too_large"));
    router.errorHandler(400, ctx -> error(ctx, 400, "bad request", "bad_request"));
    router.errorHandler(403, ctx -> error(ctx, 403, "origin " + ctx.request().getHeader("Origin") + " may not "
        + "call this API from a browser; members allow pages from this machine and --cors-origin", "forbidden"));
    router.errorHandler(500, ctx -> error(ctx, 500, "internal error: " + (ctx.failure() == null ? "unknown"
        : ctx.failure().toString()), "internal_error"));
    return router;
  }

  /**
   * What every port that serves requests applies first (the API port, and the leader's dashboard port): connection
   * tracking (when {@code connections} is given; the API router tracks before it numbers requests), a deadline for
   * the request body, and the browser-origin check on {@code corsPaths}. Browsers ask before calling the APIs
   * from a page, and a page from a foreign origin is refused (the admin API too: a site open in the operator's
   * browser must not drain or add backends, nor register apps); the dashboard page itself is same-origin.
   */
  public static void guard(Router router, Vertx vertx, ConnectionGuard connections, Duration bodyTimeout,
      List<String> corsOrigins, List<String> corsPaths) {
    if (connections != null) {
      router.route().handler(connections::track);
    }
    router.route().handler(ctx -> bodyDeadline(vertx, ctx, bodyTimeout));
    CorsHandler cors = BrowserOrigins.handler(corsOrigins);
    for (String path : corsPaths) {
      router.route(path).handler(cors);
    }
  }

  /**
   * A client that sends its body too slowly (or never finishes it) gets a 408 and loses its connection, so it
   * cannot hold a connection and a body buffer forever. No slot is taken before the body is complete, so none is
   * at stake here.
   */
  private static void bodyDeadline(Vertx vertx, RoutingContext ctx, Duration bodyTimeout) {
    if (ctx.request().isEnded()) {
      ctx.next();
      return;
    }
    long timer = vertx.setTimer(bodyTimeout.toMillis(), id -> {
      if (!ctx.request().isEnded() && !ctx.response().ended() && !ctx.response().headWritten()) {
        ctx.response().putHeader("Connection", "close");
        ApiErrors.send(ctx.response(), ApiFamily.ofPath(ctx.request().path()), 408, "the request body did not "
            + "arrive within " + bodyTimeout.toSeconds() + " s", "body_timeout");
        ctx.request().connection().close();
      }
    });
    ctx.addEndHandler(v -> vertx.cancelTimer(timer));
    ctx.next();
  }

  /**
   * {@code curl -d '{...}'}, the way Ollama's own docs send every request, labels the JSON body as a form. Ollama
   * and llama-server ignore the label; the body handler would decode it as a form and fail on a '%' or past 1 KiB.
   * Every POST of the model APIs is JSON (blob uploads are octet streams), so such a body is read as what it is.
   * The admin API keeps the strict reading.
   */
  private static void jsonDespiteFormLabel(RoutingContext ctx) {
    String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
    if (type != null && ctx.request().method() == HttpMethod.POST
        && type.regionMatches(true, 0, "application/x-www-form-urlencoded", 0, 33)) {
      ctx.request().headers().set(HttpHeaders.CONTENT_TYPE, "application/json");
    }
    ctx.next();
  }

  private static void error(RoutingContext ctx, int status, String message, String code) {
    if (status == 413) {
      // the rest of an oversized body is not read; closing is the only way to stop the client sending it
      ctx.response().putHeader("Connection", "close");
    }
    ApiErrors.send(ctx.response(), ApiFamily.ofPath(ctx.request().path()), status, message, code);
  }
}
