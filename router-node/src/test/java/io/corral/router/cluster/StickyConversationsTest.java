package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.backends.BackendState;
import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The next turn of a chat goes back to the backend its last turn ran on (its prompt is cached there), through
 * any member. Round robin is used so that without stickiness two requests in a row never land on the same
 * backend: every "same backend" below is the ledger's memory of the conversation, not chance.
 */
class StickyConversationsTest {

  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  private List<String> fleet() {
    List<String> urls = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      SimulatedBackend b = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2));
      b.markLoaded("llama3");
      urls.add(b.url());
    }
    return urls;
  }

  static void awaitUp(RouterNode member, int n) {
    await().atMost(Duration.ofSeconds(10)).until(() -> member.backends().all().stream()
        .filter(BackendState::isUp).count() == n);
  }

  static JsonObject message(String role, String content) {
    return new JsonObject().put("role", role).put("content", content);
  }

  /** One chat turn; {@code history} holds the earlier messages and gets this turn's question and answer. */
  static String turn(RouterNode via, JsonArray history, String question) {
    history.add(message("user", question));
    HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(via.apiUrl() + "/api/chat"))
        .header("X-Corral-Strategy", "round_robin")
        .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("model", "llama3").put("stream", false)
            .put("messages", history).encode()))
        .build());
    assertThat(r.statusCode()).isEqualTo(200);
    history.add(message("assistant", new JsonObject(r.body()).getJsonObject("message").getString("content")));
    return r.headers().firstValue("X-Corral-Backend").orElseThrow();
  }

  static String generate(RouterNode via, String session) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(via.apiUrl() + "/api/generate"))
        .header("X-Corral-Strategy", "round_robin")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3\",\"prompt\":\"hi\",\"stream\":false}"));
    if (session != null) {
      b.header("X-Corral-Session", session);
    }
    HttpResponse<String> r = Http.send(b.build());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.headers().firstValue("X-Corral-Backend").orElseThrow();
  }

  @Test
  void everyTurnOfAChatGoesBackToTheBackendOfItsFirstTurnThroughAnyMember() {
    List<String> urls = fleet();
    RouterNode one = cluster.member(urls);
    RouterNode two = cluster.member(List.of());
    awaitUp(two, 3);

    List<JsonArray> chats = new ArrayList<>();
    List<String> homes = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      JsonArray history = new JsonArray().add(message("system", "you are chat " + c));
      chats.add(history);
      homes.add(turn(one, history, "first question of chat " + c));
    }
    // three chats started in a row under round robin: one per backend
    assertThat(homes).containsExactlyInAnyOrderElementsOf(urls);
    for (int t = 2; t <= 4; t++) {
      for (int c = 0; c < 3; c++) {
        RouterNode via = (t + c) % 2 == 0 ? one : two;
        assertThat(turn(via, chats.get(c), "question " + t)).as("chat %d, turn %d", c, t).isEqualTo(homes.get(c));
      }
    }
  }

  @Test
  void requestsNamingTheSameSessionShareABackendAndUnrelatedOnesAreSpreadAsBefore() {
    RouterNode member = cluster.member(fleet());
    awaitUp(member, 3);

    String home = generate(member, "user-42");
    for (int i = 0; i < 4; i++) {
      assertThat(generate(member, "user-42")).isEqualTo(home);
    }
    // no session, and the first turn of a chat: placed by the strategy alone
    assertThat(generate(member, null)).isNotEqualTo(generate(member, null));
    String first = turn(member, new JsonArray(), "same opening question");
    assertThat(turn(member, new JsonArray(), "same opening question")).isNotEqualTo(first);
  }

  @Test
  void withStickyConversationsOffEveryTurnIsPlacedByTheStrategy() {
    RouterNode member = cluster.member(fleet(), f -> f.put("stickyConversations", "false"));
    awaitUp(member, 3);

    JsonArray history = new JsonArray();
    String previous = turn(member, history, "one");
    for (int t = 0; t < 3; t++) {
      String now = turn(member, history, "again " + t);
      assertThat(now).isNotEqualTo(previous);
      previous = now;
    }
  }
}
