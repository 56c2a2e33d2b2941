package io.corral.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.cluster.ledger.Conversation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** How corral tells which conversation a request continues. */
class ConversationKeysTest {

  static JsonObject chat(String... roleAndContent) {
    JsonArray messages = new JsonArray();
    for (int i = 0; i < roleAndContent.length; i += 2) {
      messages.add(new JsonObject().put("role", roleAndContent[i]).put("content", roleAndContent[i + 1]));
    }
    return new JsonObject().put("model", "llama3").put("messages", messages);
  }

  @Test
  void everyTurnOfAChatHasTheKeyOfItsFirstTurnAndOnlyLaterTurnsAskToGoBack() {
    Conversation first = ConversationKeys.of(null, chat("system", "be brief", "user", "hi"), "llama3:latest");
    Conversation third = ConversationKeys.of(null, chat("system", "be brief", "user", "hi", "assistant", "hello",
        "user", "how are you", "assistant", "fine", "user", "and now?"), "llama3:latest");
    assertThat(first.key()).isEqualTo(third.key()).startsWith("c:");
    assertThat(first.prefer()).isFalse();
    assertThat(third.prefer()).isTrue();
  }

  @Test
  void anotherOpeningAnotherSystemPromptOrAnotherModelIsAnotherConversation() {
    String key = ConversationKeys.of(null, chat("system", "s", "user", "hi"), "llama3:latest").key();
    assertThat(ConversationKeys.of(null, chat("system", "s", "user", "hello"), "llama3:latest").key())
        .isNotEqualTo(key);
    assertThat(ConversationKeys.of(null, chat("system", "t", "user", "hi"), "llama3:latest").key())
        .isNotEqualTo(key);
    assertThat(ConversationKeys.of(null, chat("system", "s", "user", "hi"), "qwen:latest").key())
        .isNotEqualTo(key);
  }

  @Test
  void aNamedSessionAlwaysAsksToGoBackAndNoPromptTextIsKept() {
    Conversation named = ConversationKeys.of("user-42", new JsonObject().put("prompt", "secret"), "llama3:latest");
    assertThat(named.prefer()).isTrue();
    assertThat(named.key()).startsWith("s:").doesNotContain("user-42").hasSize(34);
    assertThat(ConversationKeys.of(null, chat("user", "secret text"), "m").key()).doesNotContain("secret");
  }

  @Test
  void requestsWithoutMessagesOrWithoutAUserMessageBelongToNoConversation() {
    assertThat(ConversationKeys.of(null, new JsonObject().put("prompt", "hi"), "m")).isEqualTo(Conversation.NONE);
    assertThat(ConversationKeys.of(null, chat("system", "only"), "m")).isEqualTo(Conversation.NONE);
    assertThat(ConversationKeys.of(" ", new JsonObject().put("messages", "not a list"), "m"))
        .isEqualTo(Conversation.NONE);
  }
}
