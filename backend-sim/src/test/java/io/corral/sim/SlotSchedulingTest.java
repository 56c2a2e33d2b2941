package io.corral.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Slots, the FIFO behind them, disconnects and pacing, observed over real HTTP. */
class SlotSchedulingTest extends SimulatorTestBase {

  private static final Duration POLL = Duration.ofMillis(20);

  private static String chatJson(boolean stream, int tokens) {
    return new JsonObject().put("model", "llama3").put("stream", stream)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")))
        .put("options", new JsonObject().put("num_predict", tokens)).encode();
  }

  @Test
  void overSubscribedBackendProcessesAtMostItsSlotsAndServesTheRestInArrivalOrder() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3").withSlots(2)
        .withFirstTokenDelay(Duration.ofMillis(600)));
    List<Integer> completionOrder = Collections.synchronizedList(new ArrayList<>());
    List<Future<TestHttp.Response>> responses = new ArrayList<>();

    for (int i = 0; i < 5; i++) {
      int request = i;
      responses.add(http.send(HttpMethod.POST, ollama, "/api/chat", chatJson(false, 2))
          .onSuccess(r -> completionOrder.add(request)));
      // Arrivals are spaced by observing each one inside the backend, so "arrival order" is well defined.
      await().pollInterval(POLL).atMost(Duration.ofSeconds(2))
          .until(() -> ollama.stats().processing() + ollama.stats().waiting() == request + 1);
    }
    SimStats whileBusy = ollama.stats();
    assertThat(whileBusy.processing()).isEqualTo(2);
    assertThat(whileBusy.waiting()).isEqualTo(3);

    responses.forEach(r -> assertThat(TestHttp.await(r).status()).isEqualTo(200));
    await().atMost(Duration.ofSeconds(2)).until(() -> completionOrder.size() == 5);
    assertThat(completionOrder).containsExactly(0, 1, 2, 3, 4);
    SimStats after = ollama.stats();
    assertThat(after.maxProcessing()).isEqualTo(2);
    assertThat(after.requestsStarted()).isEqualTo(5);
    assertThat(after.requestsCompleted()).isEqualTo(5);
    assertThat(after.processing()).isZero();
    assertThat(after.waiting()).isZero();
  }

  @Test
  void clientThatLeavesWhileWaitingLeavesTheQueueWithoutTakingASlot() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3").withFirstTokenDelay(Duration.ofSeconds(5)));
    try (RawHttpConnection holder = RawHttpConnection.open(vertx, ollama).post("/api/chat", chatJson(true, 1))) {
      await().atMost(Duration.ofSeconds(2)).until(() -> ollama.stats().processing() == 1);
      assertThat(holder.received()).as("still before its first token").isEmpty();

      RawHttpConnection waiter = RawHttpConnection.open(vertx, ollama).post("/api/chat", chatJson(true, 1));
      await().atMost(Duration.ofSeconds(2)).until(() -> ollama.stats().waiting() == 1);
      waiter.close();

      await().atMost(Duration.ofSeconds(2)).until(() -> ollama.stats().waiting() == 0);
      assertThat(ollama.stats().processing()).isEqualTo(1);
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> ollama.stats().processing() == 0);
    SimStats stats = ollama.stats();
    assertThat(stats.requestsStarted()).as("the departed waiter never got the freed slot").isEqualTo(1);
    assertThat(stats.requestsCancelled()).isEqualTo(1);
  }

  @Test
  void clientThatDisconnectsMidStreamFreesItsSlotAtOnce() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3").withTokensPerSecond(20));
    RawHttpConnection reader = RawHttpConnection.open(vertx, ollama).post("/api/chat", chatJson(true, 100));
    await().atMost(Duration.ofSeconds(2)).until(() -> reader.count("\"done\":false") >= 1);
    RawHttpConnection queued = RawHttpConnection.open(vertx, ollama).post("/api/chat", chatJson(true, 1));
    await().atMost(Duration.ofSeconds(2)).until(() -> ollama.stats().waiting() == 1);

    reader.close();

    try (queued) {
      await().atMost(Duration.ofSeconds(1)).until(() -> queued.count("\"done\":true") == 1);
    }
    SimStats stats = ollama.stats();
    assertThat(stats.requestsCancelled()).isEqualTo(1);
    assertThat(stats.requestsCompleted()).isEqualTo(1);
    assertThat(stats.maxProcessing()).isEqualTo(1);
  }

  @Test
  void busySlotsShowInSlotsAndMetrics() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("m").withSlots(2)
        .withFirstTokenDelay(Duration.ofSeconds(5)));
    String chat = new JsonObject().put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))).encode();

    try (RawHttpConnection a = RawHttpConnection.open(vertx, llama).post("/v1/chat/completions", chat);
        RawHttpConnection b = RawHttpConnection.open(vertx, llama).post("/v1/chat/completions", chat);
        RawHttpConnection c = RawHttpConnection.open(vertx, llama).post("/v1/chat/completions", chat)) {
      await().atMost(Duration.ofSeconds(2)).until(() -> llama.stats().waiting() == 1);
      assertThat(List.of(a, b, c)).noneMatch(RawHttpConnection::closedByServer);

      JsonArray slots = http.get(llama, "/slots").jsonArray();
      assertThat(slots.stream().map(s -> ((JsonObject) s).getBoolean("is_processing"))).containsExactly(true, true);
      assertThat(http.get(llama, "/metrics").body())
          .contains("llamacpp:requests_processing 2\n", "llamacpp:requests_deferred 1\n");
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> llama.stats().processing() == 0);
    assertThat(http.get(llama, "/slots").jsonArray().stream()
        .map(s -> ((JsonObject) s).getBoolean("is_processing"))).containsExactly(false, false);
  }

  @Test
  void raisingSlotsAtRuntimeServesWaitingRequestsAndShowsInProps() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("m").withFirstTokenDelay(Duration.ofSeconds(5)));
    String chat = new JsonObject().put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi"))).encode();

    try (RawHttpConnection a = RawHttpConnection.open(vertx, llama).post("/v1/chat/completions", chat);
        RawHttpConnection b = RawHttpConnection.open(vertx, llama).post("/v1/chat/completions", chat)) {
      await().atMost(Duration.ofSeconds(2)).until(() -> llama.stats().waiting() == 1);
      assertThat(List.of(a, b)).noneMatch(RawHttpConnection::closedByServer);

      llama.setSlots(2);

      await().atMost(Duration.ofSeconds(2)).until(() -> llama.stats().processing() == 2);
      assertThat(http.get(llama, "/props").json().getInteger("total_slots")).isEqualTo(2);
      assertThat(http.get(llama, "/slots").jsonArray()).hasSize(2);

      llama.setSlots(1);
      assertThat(llama.stats().processing()).as("shrinking never interrupts").isEqualTo(2);
      assertThat(http.get(llama, "/slots").jsonArray()).hasSize(1);
    }
  }

  @Test
  void firstTokenWaitsForTheDelayAndLaterTokensArePaced() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3")
        .withFirstTokenDelay(Duration.ofMillis(200)).withTokensPerSecond(50));

    long begin = System.nanoTime();
    TestHttp.Response response = http.post(ollama, "/api/chat", chatJson(false, 6));
    Duration took = Duration.ofNanos(System.nanoTime() - begin);

    // 200 ms to the first token, then 5 more at 20 ms each.
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    JsonObject body = response.json();
    assertThat(body.getLong("prompt_eval_duration")).isGreaterThanOrEqualTo(Duration.ofMillis(200).toNanos());
    assertThat(body.getLong("eval_duration")).isGreaterThanOrEqualTo(Duration.ofMillis(100).toNanos());
  }

  @Test
  void longAnswersAtUnlimitedRateStreamCompletely() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));

    List<JsonObject> lines = http.post(ollama, "/api/chat", chatJson(true, 2000)).ndjson();

    assertThat(lines).hasSize(2001);
    assertThat(lines.get(1999).getJsonObject("message").getString("content")).isEqualTo("tok1999 ");
    assertThat(lines.get(2000).getLong("eval_count")).isEqualTo(2000);
  }
}
