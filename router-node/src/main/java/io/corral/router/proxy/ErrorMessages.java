package io.corral.router.proxy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/** The message of a backend's error answer, in whichever shape it came (Ollama, OpenAI, plain text), kept short. */
final class ErrorMessages {

  static final int MAX_CHARS = 300;

  private ErrorMessages() {}

  static String of(Buffer body) {
    String text = body.toString(StandardCharsets.UTF_8).strip();
    String message = text;
    try {
      Object parsed = body.toJsonValue();
      if (parsed instanceof JsonObject o) {
        Object error = o.getValue("error");
        if (error instanceof String s) {
          message = s;
        } else if (error instanceof JsonObject e && e.getValue("message") instanceof String m) {
          message = m;
        } else if (o.getValue("message") instanceof String m) {
          message = m;
        }
      }
    } catch (RuntimeException notJson) {
      // plain text
    }
    message = message.replaceAll("\\s+", " ");
    if (message.isEmpty()) {
      return "(no message)";
    }
    return message.length() > MAX_CHARS ? message.substring(0, MAX_CHARS) + "..." : message;
  }
}
