package io.corral.router.protocol;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Builds every error body a client sees, in the shape of the API family it called. Ollama:
 * {@code {"error": "message"}}. OpenAI: {@code {"error": {"message", "type", "code"}}} with the type OpenAI uses
 * for that status.
 */
public final class ApiErrors {

  /**
   * What to do when the cluster knows no backend at all: said the same way by the API, {@code corral backend list}
   * and {@code corral-ctl status}.
   */
  public static final String NO_BACKENDS_FIX = "start members with --backend URL (an Ollama server or a llama-server),"
      + " a backends file or --scan-cidr, or add one with POST /admin/backends; 'corral backend list' shows what the"
      + " cluster sees";

  private ApiErrors() {}

  public static JsonObject body(ApiFamily family, int status, String message, String code) {
    if (family == ApiFamily.OLLAMA) {
      return new JsonObject().put("error", message);
    }
    return new JsonObject().put("error", new JsonObject()
        .put("message", message)
        .put("type", openAiType(status))
        .put("param", null)
        .put("code", code));
  }

  /** Ends {@code response} with an error, unless headers already went out (then it just closes the stream). */
  public static void send(HttpServerResponse response, ApiFamily family, int status, String message, String code) {
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      response.end();
      return;
    }
    response.setStatusCode(status)
        .putHeader("Content-Type", "application/json; charset=utf-8")
        .end(body(family, status, message, code).encode());
  }

  static String openAiType(int status) {
    return switch (status) {
      case 400, 404, 405, 413, 422 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 429 -> "rate_limit_error";
      case 503 -> "service_unavailable_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }
}
