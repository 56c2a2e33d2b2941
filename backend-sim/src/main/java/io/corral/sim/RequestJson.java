package io.corral.sim;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/** Reading request bodies and their loosely typed fields the way the real servers tolerate them. */
final class RequestJson {

  private RequestJson() {}

  /** The body as a JSON object; when it is not one, the API's own 400 has been sent and the result is empty. */
  static Optional<JsonObject> parse(RoutingContext ctx, ApiFamily family) {
    String text = ctx.body() == null ? null : ctx.body().asString();
    if (text == null || text.isBlank()) {
      // Go's decoder reports io.EOF, which Ollama turns into this message.
      family.badRequestBody(ctx, family == ApiFamily.LLAMA_SERVER
          ? "attempting to parse an empty input" : "missing request body");
      return Optional.empty();
    }
    Object value;
    try {
      value = Json.decodeValue(text);
    } catch (DecodeException e) {
      String reason = shortReason(e.getMessage());
      family.badRequestBody(ctx, family == ApiFamily.LLAMA_SERVER ? reason : "invalid character in JSON: " + reason);
      return Optional.empty();
    }
    if (value instanceof JsonObject object) {
      return Optional.of(object);
    }
    family.badRequestBody(ctx, "json: cannot unmarshal " + kindOf(value) + " into Go value of type request");
    return Optional.empty();
  }

  /** Jackson's first sentence, without its source-location appendix. */
  private static String shortReason(String message) {
    if (message == null || message.isBlank()) {
      return "invalid JSON";
    }
    String first = message.lines().findFirst().orElse(message);
    for (String cut : new String[] {" (start marker", " at [Source", "\n"}) {
      int at = first.indexOf(cut);
      if (at > 0) {
        first = first.substring(0, at);
      }
    }
    return first.strip();
  }

  static String string(JsonObject body, String key) {
    return body.getValue(key) instanceof String s ? s : null;
  }

  static boolean bool(JsonObject body, String key, boolean fallback) {
    return body.getValue(key) instanceof Boolean b ? b : fallback;
  }

  /** The first of {@code keys} holding a positive number; non-positive values (-1 = "no limit") do not count. */
  static Optional<Integer> positiveInt(JsonObject body, String... keys) {
    if (body == null) {
      return Optional.empty();
    }
    for (String key : keys) {
      if (body.getValue(key) instanceof Number n && n.intValue() > 0) {
        return Optional.of(n.intValue());
      }
    }
    return Optional.empty();
  }

  private static String kindOf(Object value) {
    if (value instanceof io.vertx.core.json.JsonArray) {
      return "array";
    }
    if (value instanceof String) {
      return "string";
    }
    if (value instanceof Number) {
      return "number";
    }
    return String.valueOf(value);
  }
}
