package io.corral.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The deterministic "language" of the simulator: token {@code i} is the word {@code "tok<i> "}. */
final class TokenText {

  private TokenText() {}

  static String token(int index) {
    return "tok" + index + " ";
  }

  /** The whole text of an answer of {@code tokens} tokens. */
  static String answer(int tokens) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < tokens; i++) {
      s.append(token(i));
    }
    return s.toString();
  }

  /** Prompt tokens of a text: its whitespace-separated words. */
  static int words(String text) {
    if (text == null || text.isBlank()) {
      return 0;
    }
    return text.trim().split("\\s+").length;
  }

  /** Prompt tokens of a prompt value: a string, or an array of strings (or of token ids). */
  static int promptWords(Object prompt) {
    if (prompt instanceof String s) {
      return words(s);
    }
    if (prompt instanceof JsonArray array) {
      int n = 0;
      for (Object item : array) {
        n += item instanceof Number ? 1 : promptWords(item);
      }
      return n;
    }
    return 0;
  }

  /** Prompt tokens of chat messages; content may be a string or an array of {@code {"type":"text","text":..}} parts. */
  static int messageWords(JsonArray messages) {
    if (messages == null) {
      return 0;
    }
    int n = 0;
    for (Object m : messages) {
      if (m instanceof JsonObject message) {
        Object content = message.getValue("content");
        if (content instanceof String s) {
          n += words(s);
        } else if (content instanceof JsonArray parts) {
          for (Object part : parts) {
            if (part instanceof JsonObject p && p.getValue("text") instanceof String text) {
              n += words(text);
            }
          }
        }
      }
    }
    return n;
  }
}
