package io.corral.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Java's own HttpClient asks to upgrade a plain-HTTP connection to HTTP/2 (h2c) by default. Members do not offer
 * h2c (with it, Vert.x sets a connection up only after a whole request head, out of the connection guard's reach:
 * issue 17), so such a client is answered over HTTP/1.1, in full, and the request counts as completed.
 */
class H2cClientTest {

  static TestCluster cluster;
  static SimulatedBackend sim;
  static RouterNode node;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    sim = cluster.sim(SimBackendOptions.ollama("llama3"));
    node = cluster.member(List.of(sim.url()));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void aClientOfferingTheUpgradeIsAnsweredOverHttp11AndCountsAsCompleted() throws Exception {
    HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    for (String stream : List.of("false", "true")) {
      HttpResponse<String> r = h2.send(HttpRequest.newBuilder(URI.create(node.apiUrl() + "/api/chat"))
          .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3\","
              + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":" + stream + "}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"done\":true");
    }
    String metrics = Http.get(node.apiUrl() + "/metrics").body();
    assertThat(metrics).containsPattern("corral_requests_total\\{[^}]*route=\"chat\"[^}]*status=\"200\"[^}]*} 2\\.0");
    assertThat(metrics).doesNotContain("status=\"499\"");
  }
}
