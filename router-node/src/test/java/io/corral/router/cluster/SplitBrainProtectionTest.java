package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.router.Http;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * With a minimum cluster size, a member that sees fewer members (the minority side of a network split, or a
 * member alone) refuses to grant slots instead of granting capacity the other side also grants.
 */
class SplitBrainProtectionTest {

  static TestCluster cluster;
  static SimulatedBackend backend;
  static String api;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    backend = cluster.sim(SimBackendOptions.ollama("llama3"));
    api = cluster.member(List.of(backend.url()), f -> f.put("minClusterSize", "2")).apiUrl();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void aMemberBelowTheMinimumClusterSizeAnswers503AndSendsNothingToBackends() {
    HttpResponse<String> r = Http.post(api + "/api/generate", "{\"model\":\"llama3\",\"prompt\":\"x\"}");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("Retry-After")).isPresent();
    assertThat(new JsonObject(r.body()).getString("error")).contains("split-brain protection");
    assertThat(backend.stats().requestsStarted()).isZero();
  }
}
