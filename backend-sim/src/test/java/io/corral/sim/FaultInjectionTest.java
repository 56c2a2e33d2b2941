package io.corral.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Every fault switch, as a client on the wire sees it. */
class FaultInjectionTest extends SimulatorTestBase {

  private static JsonObject chat(String model) {
    return new JsonObject().put("model", model)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
  }

  private static String streamedChat(int tokens) {
    return chat("llama3").put("options", new JsonObject().put("num_predict", tokens)).encode();
  }

  @Test
  void failWithAnswersTheNextRequestsWithOllamasErrorBodyThenRecovers() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));
    ollama.faults().failWith(503, 2);

    for (int i = 0; i < 2; i++) {
      TestHttp.Response failed = http.post(ollama, "/api/chat", chat("llama3"));
      assertThat(failed.status()).isEqualTo(503);
      assertThat(failed.json().getString("error")).startsWith("server busy");
    }
    assertThat(http.post(ollama, "/api/chat", chat("llama3")).status()).isEqualTo(200);
    assertThat(ollama.stats().requestsStarted()).as("failures never take a slot").isEqualTo(1);
  }

  @Test
  void failWithOnOpenAiPathsUsesTheOpenAiErrorShape() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));
    ollama.faults().failWith(429, 1);

    TestHttp.Response failed = http.post(ollama, "/v1/chat/completions", chat("llama3"));

    assertThat(failed.status()).isEqualTo(429);
    JsonObject error = failed.json().getJsonObject("error");
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.getString("type")).isEqualTo("api_error");
  }

  @Test
  void failWithOnLlamaServerLooksLikeAModelStillLoadingAndLastsUntilCleared() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("m"));
    llama.faults().failWith(503, -1);

    for (int i = 0; i < 3; i++) {
      TestHttp.Response failed = http.post(llama, "/v1/chat/completions", chat("m"));
      assertThat(failed.status()).isEqualTo(503);
      assertThat(failed.json()).isEqualTo(new JsonObject().put("error", new JsonObject()
          .put("message", "Loading model").put("type", "unavailable_error").put("code", 503)));
    }
    llama.faults().clear();

    assertThat(http.post(llama, "/v1/chat/completions", chat("m")).status()).isEqualTo(200);
  }

  @Test
  void failWithAlsoHitsEmbeddings() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("all-minilm"));
    ollama.faults().failWith(500, 1);

    TestHttp.Response failed = http.post(ollama, "/api/embed",
        new JsonObject().put("model", "all-minilm").put("input", "x"));

    assertThat(failed.status()).isEqualTo(500);
    assertThat(failed.json().getString("error")).isNotBlank();
  }

  @Test
  void stallAfterChunksHangsTheStreamButKeepsTheConnectionAndTheSlot() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));
    ollama.faults().stallAfterChunks(2);

    RawHttpConnection client = RawHttpConnection.open(vertx, ollama).post("/api/chat", streamedChat(8));

    await().atMost(Duration.ofSeconds(2)).until(() -> client.count("\"done\":false") == 2);
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1))
        .until(() -> client.count("\"done\":false") == 2 && !client.closedByServer());
    assertThat(client.received()).doesNotContain("\"done\":true");
    assertThat(ollama.stats().processing()).isEqualTo(1);

    client.close();

    await().atMost(Duration.ofSeconds(2)).until(() -> ollama.stats().processing() == 0);
    assertThat(ollama.stats().requestsCancelled()).isEqualTo(1);
  }

  @Test
  void stallAfterZeroChunksSendsNoResponseAtAll() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));
    ollama.faults().stallAfterChunks(0);

    try (RawHttpConnection client = RawHttpConnection.open(vertx, ollama).post("/api/chat", streamedChat(3))) {
      await().atMost(Duration.ofSeconds(2)).until(() -> ollama.stats().processing() == 1);
      await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> client.received().isEmpty());
    }
  }

  @Test
  void resetAfterChunksCutsTheConnectionMidStream() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));
    ollama.faults().resetAfterChunks(2);

    try (RawHttpConnection client = RawHttpConnection.open(vertx, ollama).post("/api/chat", streamedChat(8))) {
      await().atMost(Duration.ofSeconds(2)).until(client::closedByServer);

      assertThat(client.count("\"done\":false")).isEqualTo(2);
      assertThat(client.received()).doesNotContain("\"done\":true");
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> ollama.stats().processing() == 0);
    assertThat(ollama.stats().requestsCancelled()).isEqualTo(1);
  }

  @Test
  void resetAfterZeroChunksClosesBeforeAnyResponseByte() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("m"));
    llama.faults().resetAfterChunks(0);

    try (RawHttpConnection client = RawHttpConnection.open(vertx, llama)
        .post("/v1/chat/completions", chat("m").encode())) {
      await().atMost(Duration.ofSeconds(2)).until(client::closedByServer);

      assertThat(client.received()).isEmpty();
    }
  }

  @Test
  void extraFirstTokenDelayPostponesTheFirstToken() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));
    ollama.faults().extraFirstTokenDelay(Duration.ofMillis(300));

    long begin = System.nanoTime();
    http.post(ollama, "/api/chat", chat("llama3").put("stream", false));

    assertThat(Duration.ofNanos(System.nanoTime() - begin)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
  }

  @Test
  void clearSwitchesEveryFaultOff() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));
    ollama.faults().stallAfterChunks(1).resetAfterChunks(2).failWith(503, -1)
        .extraFirstTokenDelay(Duration.ofSeconds(1));

    ollama.faults().clear();

    assertThat(ollama.faults().state()).isEqualTo(SimFaultState.NONE);
    assertThat(http.post(ollama, "/api/chat", chat("llama3")).ndjson()).hasSize(9);
  }

  @Test
  void closingTheBackendEndsStalledAndWaitingRequests() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));
    ollama.faults().stallAfterChunks(1);
    try (RawHttpConnection stalled = RawHttpConnection.open(vertx, ollama).post("/api/chat", streamedChat(4));
        RawHttpConnection waiting = RawHttpConnection.open(vertx, ollama).post("/api/chat", streamedChat(4))) {
      await().atMost(Duration.ofSeconds(2)).until(() -> ollama.stats().waiting() == 1);

      TestHttp.await(ollama.close());

      await().atMost(Duration.ofSeconds(2)).until(() -> stalled.closedByServer() && waiting.closedByServer());
      assertThat(ollama.stats()).isEqualTo(new SimStats(0, 0, 1, 2, 1, 0, 1));
    }
  }
}
