package io.corral.sim;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The error shapes of the APIs the simulator speaks: the one place error bodies are built.
 *
 * <ul>
 *   <li>{@link #OLLAMA}: {@code {"error":"..."}} as Ollama's native API writes it.
 *   <li>{@link #OLLAMA_OPENAI}: Ollama's {@code /v1} middleware, {@code {"error":{"message","type","param":null,
 *       "code":null}}}; errors raised by the handler behind it are re-wrapped with type {@code api_error}
 *       while the status stays.
 *   <li>{@link #LLAMA_SERVER}: {@code {"error":{"code","message","type"}}}.
 * </ul>
 */
enum ApiFamily {
  OLLAMA,
  OLLAMA_OPENAI,
  LLAMA_SERVER;

  static final String JSON = "application/json; charset=utf-8";

  /** An error raised by request handling (unknown model, missing field). */
  void error(RoutingContext ctx, int status, String message) {
    switch (this) {
      case OLLAMA -> send(ctx, status, JSON, new JsonObject().put("error", message));
      case OLLAMA_OPENAI -> openAi(ctx, status, message, "api_error");
      case LLAMA_SERVER -> llama(ctx, status, message, llamaType(status));
    }
  }

  /** A request the API layer itself rejects (Ollama's {@code /v1} middleware keeps the 400 error type). */
  void invalidRequest(RoutingContext ctx, String message) {
    switch (this) {
      case OLLAMA -> send(ctx, 400, JSON, new JsonObject().put("error", message));
      case OLLAMA_OPENAI -> openAi(ctx, 400, message, "invalid_request_error");
      case LLAMA_SERVER -> llama(ctx, 400, message, "invalid_request_error");
    }
  }

  /** A body that is not a JSON object (or no body at all). */
  void badRequestBody(RoutingContext ctx, String detail) {
    switch (this) {
      case OLLAMA -> send(ctx, 400, JSON, new JsonObject().put("error", detail));
      case OLLAMA_OPENAI -> openAi(ctx, 400, detail, "invalid_request_error");
      case LLAMA_SERVER -> llama(ctx, 400, "[json.exception.parse_error.101] parse error: " + detail,
          "invalid_request_error");
    }
  }

  /** A failure injected by {@link SimFaults#failWith}, worded as the real server words that status. */
  void injectedFailure(RoutingContext ctx, int status) {
    switch (this) {
      case OLLAMA -> send(ctx, status, JSON, new JsonObject().put("error", ollamaMessage(status)));
      case OLLAMA_OPENAI -> openAi(ctx, status, ollamaMessage(status), "api_error");
      case LLAMA_SERVER -> {
        if (status == 503) {
          // The exact body llama-server sends while its model loads (measured on a real server).
          send(ctx, 503, JSON, new JsonObject().put("error", new JsonObject()
              .put("message", "Loading model").put("type", "unavailable_error").put("code", 503)));
        } else {
          llama(ctx, status, reason(status), llamaType(status));
        }
      }
    }
  }

  /** The reply for a path the server does not have. */
  void notFound(RoutingContext ctx) {
    switch (this) {
      // Ollama's router (gin) answers unknown paths with a plain-text page.
      case OLLAMA, OLLAMA_OPENAI -> send(ctx, 404, "text/plain", "404 page not found");
      // Field order as measured on a real llama-server.
      case LLAMA_SERVER -> send(ctx, 404, JSON, new JsonObject().put("error", new JsonObject()
          .put("message", "File Not Found").put("type", "not_found_error").put("code", 404)));
    }
  }

  static void send(RoutingContext ctx, int status, String contentType, Object body) {
    HttpServerResponse response = ctx.response();
    if (response.headWritten() || response.ended()) {
      return;
    }
    String text = body instanceof JsonObject json ? json.encode()
        : body instanceof JsonArray array ? array.encode()
        : String.valueOf(body);
    response.setStatusCode(status).putHeader("Content-Type", contentType).end(text);
  }

  /** A 200 JSON reply ({@link JsonObject} or {@link JsonArray}). */
  static void sendJson(RoutingContext ctx, Object json) {
    send(ctx, 200, JSON, json);
  }

  private static void openAi(RoutingContext ctx, int status, String message, String type) {
    send(ctx, status, "application/json", new JsonObject().put("error", new JsonObject()
        .put("message", message).put("type", type).putNull("param").putNull("code")));
  }

  private static void llama(RoutingContext ctx, int status, String message, String type) {
    send(ctx, status, JSON, new JsonObject().put("error", new JsonObject()
        .put("code", status).put("message", message).put("type", type)));
  }

  private static String ollamaMessage(int status) {
    return switch (status) {
      // Ollama's ErrMaxQueue, answered when OLLAMA_MAX_QUEUE is exceeded.
      case 503 -> "server busy, please try again.  maximum pending requests exceeded";
      case 500 -> "llama runner process has terminated: exit status 2";
      default -> reason(status).toLowerCase(java.util.Locale.ROOT);
    };
  }

  private static String llamaType(int status) {
    return switch (status) {
      case 400 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 501 -> "not_supported_error";
      case 503 -> "unavailable_error";
      default -> "server_error";
    };
  }

  private static String reason(int status) {
    return HttpResponseStatus.valueOf(status).reasonPhrase();
  }
}
