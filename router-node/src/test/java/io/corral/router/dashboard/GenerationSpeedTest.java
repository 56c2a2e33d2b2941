package io.corral.router.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dashboard shows each backend's generation speed, measured from the streams members proxied. */
class GenerationSpeedTest {

  static TestCluster cluster;
  static SimulatedBackend sim;
  static RouterNode member;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    // 40 tokens a second, 20 tokens an answer
    sim = cluster.sim(SimBackendOptions.ollama("llama3").withTokensPerSecond(40).withDefaultTokens(20));
    member = cluster.member(List.of(sim.url()), f -> f.put("dashboardStatsInterval", "200ms"));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static Object speed() {
    JsonObject b = new JsonObject(Http.get(member.apiUrl() + "/api/backends").body()).getJsonArray("backends")
        .getJsonObject(0);
    return b.getValue("tokensPerSecond");
  }

  @Test
  void streamedAnswersGiveTheBackendsTokensPerSecondInBothApis() {
    assertThat(speed()).isNull();
    assertThat(Http.post(member.apiUrl() + "/api/generate", "{\"model\":\"llama3\",\"prompt\":\"hi\"}")
        .statusCode()).isEqualTo(200);
    assertThat(Http.post(member.apiUrl() + "/v1/chat/completions", "{\"model\":\"llama3\",\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> speed() != null);
    assertThat(((Number) speed()).doubleValue()).isBetween(30.0, 50.0);
  }
}
