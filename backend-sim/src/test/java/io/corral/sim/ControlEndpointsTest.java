package io.corral.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The /_sim/ endpoints that drive a simulator from another process. */
class ControlEndpointsTest extends SimulatorTestBase {

  private static JsonObject chat() {
    return new JsonObject().put("model", "llama3").put("stream", false)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
  }

  @Test
  void statsEndpointServesTheSameSnapshotAsTheApi() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));
    http.post(ollama, "/api/chat", chat());
    http.post(ollama, "/api/chat", chat());

    JsonObject stats = http.get(ollama, "/_sim/stats").json();

    assertThat(SimStats.fromJson(stats)).isEqualTo(new SimStats(0, 0, 1, 1, 2, 2, 0));
    assertThat(stats.fieldNames()).containsExactly("processing", "waiting", "maxProcessing", "maxConcurrent",
        "requestsStarted", "requestsCompleted", "requestsCancelled");
  }

  @Test
  void faultsEndpointChangesOnlyTheFieldsGiven() {
    SimulatedBackend llama = start(SimBackendOptions.llamaServer("m"));
    llama.faults().stallAfterChunks(4);

    JsonObject answer = http.post(llama, "/_sim/faults", new JsonObject().put("failStatus", 503).put("failCount", 1)
        .put("extraFirstTokenDelayMs", 5).put("slots", 3)).json();

    SimFaultState state = llama.faults().state();
    assertThat(state).isEqualTo(new SimFaultState(4, 503, 1, -1, Duration.ofMillis(5)));
    assertThat(llama.slots()).isEqualTo(3);
    assertThat(answer.getInteger("slots")).isEqualTo(3);
    assertThat(answer.getInteger("stallAfterChunks")).isEqualTo(4);
    assertThat(http.get(llama, "/props").json().getInteger("total_slots")).isEqualTo(3);
    assertThat(http.post(llama, "/v1/completions", new JsonObject().put("prompt", "x")).status()).isEqualTo(503);
    // A stall after 4 chunks never fires for a 2-token answer.
    assertThat(http.post(llama, "/v1/completions", new JsonObject().put("prompt", "x").put("max_tokens", 2)).status())
        .isEqualTo(200);
  }

  @Test
  void faultsEndpointRejectsInvalidValuesAndChangesNothing() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));

    TestHttp.Response response = http.post(ollama, "/_sim/faults",
        new JsonObject().put("failStatus", 200).put("slots", 4));

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.json().getString("error")).contains("failStatus");
    assertThat(ollama.faults().state()).isEqualTo(SimFaultState.NONE);
    assertThat(ollama.slots()).isEqualTo(1);
  }

  @Test
  void resetClearsFaultsAndCounters() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3"));
    http.post(ollama, "/api/chat", chat());
    ollama.faults().failWith(503, -1);

    JsonObject stats = http.post(ollama, "/_sim/reset", new JsonObject()).json();

    assertThat(SimStats.fromJson(stats)).isEqualTo(new SimStats(0, 0, 0, 0, 0, 0, 0));
    assertThat(ollama.faults().state()).isEqualTo(SimFaultState.NONE);
    assertThat(http.post(ollama, "/api/chat", chat()).status()).isEqualTo(200);
  }

  @Test
  void statsShowHowManyRequestsWereEverPresentAtOnceAndResetRestartsTheCount() {
    SimulatedBackend ollama = start(SimBackendOptions.ollama("llama3").withSlots(2)
        .withFirstTokenDelay(Duration.ofMillis(300)));
    List<Future<TestHttp.Response>> answers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      answers.add(http.send(HttpMethod.POST, ollama, "/api/chat", chat().encode()));
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> ollama.stats().waiting() == 3);
    answers.forEach(a -> assertThat(TestHttp.await(a).status()).isEqualTo(200));

    SimStats stats = SimStats.fromJson(http.get(ollama, "/_sim/stats").json());
    assertThat(stats.maxProcessing()).as("the backend itself never runs more than its slots").isEqualTo(2);
    assertThat(stats.maxConcurrent()).as("but five requests were there at once").isEqualTo(5);

    JsonObject reset = http.post(ollama, "/_sim/reset", new JsonObject()).json();
    assertThat(reset.getInteger("maxConcurrent")).isZero();
  }
}
