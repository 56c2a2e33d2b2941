package io.corral.router.api;

import io.corral.cluster.ledger.Conversation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Tells which conversation a request continues, without any help from the client: a chat sends its whole history
 * every turn, and its model, first system message and first user message stay the same from turn to turn. A
 * client that knows better names its session in {@code X-Corral-Session}. Only a digest travels to the ledger, so
 * no prompt text is stored in the cluster.
 */
public final class ConversationKeys {

  /** The header a client names its session with; stripped before the backend like every {@code X-Corral-*}. */
  public static final String SESSION_HEADER = "X-Corral-Session";

  private ConversationKeys() {
  }

  /**
   * @param sessionHeader the {@value #SESSION_HEADER} value, or null
   * @param body          the request's JSON body (chat APIs carry {@code messages})
   * @param model         the normalized model name
   */
  public static Conversation of(String sessionHeader, JsonObject body, String model) {
    if (sessionHeader != null && !sessionHeader.isBlank()) {
      return new Conversation("s:" + digest(model, sessionHeader.strip()), true);
    }
    if (!(body.getValue("messages") instanceof JsonArray messages) || messages.isEmpty()) {
      return Conversation.NONE;
    }
    String system = null;
    String user = null;
    boolean answered = false;
    for (Object o : messages) {
      if (!(o instanceof JsonObject m) || !(m.getValue("role") instanceof String role)) {
        continue;
      }
      // content may be a string or a list of parts (images); its JSON text is stable from turn to turn
      String content = String.valueOf(m.getValue("content"));
      switch (role) {
        case "system" -> system = system == null ? content : system;
        case "user" -> user = user == null ? content : user;
        case "assistant" -> answered = true;
        default -> { }
      }
    }
    if (user == null) {
      return Conversation.NONE;
    }
    // a first turn has no cached prompt to go back to, but where it runs is remembered for the next one
    return new Conversation("c:" + digest(model, system == null ? "" : system, user), answered);
  }

  private static String digest(String... parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String p : parts) {
        sha.update(p.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest(), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }
}
