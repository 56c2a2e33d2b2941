package io.corral.router.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A backend's own timeouts override the members' global ones, on every member: a slow machine may get a longer
 * first-token wait, a fast one a shorter one.
 */
class BackendTimeoutsTest {

  static TestCluster cluster;
  static SimulatedBackend patient;
  static SimulatedBackend strict;
  static RouterNode configuring;
  static RouterNode other;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    // both take 1.5 s to the first token (a cold model load)
    patient = cluster.sim(SimBackendOptions.ollama("big").withFirstTokenDelay(Duration.ofMillis(1500)));
    strict = cluster.sim(SimBackendOptions.ollama("small").withFirstTokenDelay(Duration.ofMillis(1500)));
    configuring = cluster.member(List.of(patient.url() + ";first-token-timeout=10s",
        strict.url() + ";first-token-timeout=300ms"), f -> f.put("firstTokenTimeout", "800ms"));
    other = cluster.member(List.of(), f -> f.put("firstTokenTimeout", "800ms"));
    await().atMost(Duration.ofSeconds(10)).until(() -> other.backends().all().stream().filter(b -> b.isUp())
        .count() == 2);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static HttpResponse<String> generate(RouterNode n, String model) {
    return Http.post(n.apiUrl() + "/api/generate", "{\"model\":\"" + model + "\",\"prompt\":\"hi\",\"stream\":false}");
  }

  @Test
  void aLongerFirstTokenTimeoutForOneBackendLetsItsColdLoadFinishThroughAnyMember() {
    HttpResponse<String> r = generate(other, "big");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getBoolean("done")).isTrue();
  }

  @Test
  void aShorterOneGivesUpSoonerThanTheGlobalSetting() {
    long start = System.nanoTime();
    HttpResponse<String> r = generate(other, "small");
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(new JsonObject(r.body()).getString("error")).contains("sent no answer within 300 ms");
    assertThat(tookMs).isLessThan(800);
  }

  @Test
  void theBackendsOwnTimeoutsAreShownInTheClusterView() {
    JsonObject view = new JsonObject(Http.get(other.apiUrl() + "/api/cluster").body());
    JsonObject big = view.getJsonArray("backends").stream().map(o -> (JsonObject) o)
        .filter(b -> b.getString("id").equals(patient.url())).findFirst().orElseThrow();
    assertThat(big.getJsonObject("timeouts").getLong("firstTokenMs")).isEqualTo(10_000L);
  }
}
