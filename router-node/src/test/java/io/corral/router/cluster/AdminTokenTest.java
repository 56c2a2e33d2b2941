package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17's first attack: an admin call through a member started without a token. The admin token is the
 * cluster's: every member checks /admin/* and model management against it, a member with another token refuses to
 * start, and the first token can also be set by a call from the member's own machine.
 */
class AdminTokenTest {

  static final String TOKEN = "cluster-admin-token-0123456789";
  static final HttpClient HTTP = HttpClient.newHttpClient();

  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  static HttpResponse<String> call(String method, String url, String body, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aMemberStartedWithoutATokenChecksTheClustersOne() throws Exception {
    SimulatedBackend sim = cluster.sim(SimBackendOptions.ollama("llama3"));
    RouterNode withToken = cluster.member(List.of(sim.url()), f -> f.put("adminToken", TOKEN));
    RouterNode without = cluster.member(List.of(sim.url()));
    String add = "{\"url\":\"http://127.0.0.1:9\",\"slots\":1}";
    for (RouterNode n : List.of(withToken, without)) {
      HttpResponse<String> none = call("POST", n.apiUrl() + "/admin/backends", add, null);
      assertThat(none.statusCode()).as(n.apiUrl()).isEqualTo(401);
      assertThat(new JsonObject(none.body()).getString("error")).contains("admin token");
      assertThat(call("POST", n.apiUrl() + "/admin/backends", add, "not-the-token").statusCode()).isEqualTo(401);
      // model management changes a backend too: pull, delete, copy, create, push, blobs
      HttpRequest pull = HttpRequest.newBuilder(URI.create(n.apiUrl() + "/api/pull"))
          .header("X-Corral-Backend", sim.url()).POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"x\"}")).build();
      assertThat(HTTP.send(pull, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
      assertThat(call("DELETE", n.apiUrl() + "/api/delete", "{\"model\":\"llama3\"}", null).statusCode())
          .isEqualTo(401);
    }
    assertThat(call("POST", without.apiUrl() + "/admin/backends", add, TOKEN).statusCode()).isEqualTo(201);
    assertThat(call("DELETE", withToken.apiUrl() + "/admin/backends/127.0.0.1:9", null, TOKEN).statusCode())
        .isEqualTo(200);
    // /api/cluster never shows the token or its hash
    assertThat(call("GET", without.apiUrl() + "/api/cluster", null, null).body()).doesNotContain(TOKEN)
        .doesNotContain("v1:");
  }

  @Test
  void aMemberWithAnotherTokenRefusesToStart() {
    cluster.member(List.of(), f -> f.put("adminToken", TOKEN));
    assertThatThrownBy(() -> cluster.member(List.of(), f -> f.put("adminToken", "another-token-9876543210")))
        .hasMessageContaining("admin token is not the cluster's");
  }

  @Test
  void theFirstTokenCanBeSetFromTheMembersOwnMachineAndChangedOnlyWithTheCurrentOne() throws Exception {
    RouterNode n = cluster.member(List.of());
    String add = "{\"url\":\"http://127.0.0.1:9\",\"slots\":1}";
    // no token yet, API on loopback: open, like Ollama on 127.0.0.1
    assertThat(call("POST", n.apiUrl() + "/admin/backends", add, null).statusCode()).isEqualTo(201);
    assertThat(call("POST", n.apiUrl() + "/admin/token", "{\"token\":\"short\"}", null).statusCode())
        .isEqualTo(400);
    assertThat(call("POST", n.apiUrl() + "/admin/token", "{\"token\":\"" + TOKEN + "\"}", null).statusCode())
        .isEqualTo(201);
    assertThat(call("DELETE", n.apiUrl() + "/admin/backends/127.0.0.1:9", null, null).statusCode()).isEqualTo(401);
    // a second "first" token, or a new one without the current, is refused
    String other = "{\"token\":\"replacement-token-0123456789\"}";
    assertThat(call("POST", n.apiUrl() + "/admin/token", other, null).statusCode()).isEqualTo(401);
    assertThat(call("POST", n.apiUrl() + "/admin/token", other, TOKEN).statusCode()).isEqualTo(200);
    assertThat(call("DELETE", n.apiUrl() + "/admin/backends/127.0.0.1:9", null, TOKEN).statusCode()).isEqualTo(401);
    assertThat(call("DELETE", n.apiUrl() + "/admin/backends/127.0.0.1:9", null, "replacement-token-0123456789")
        .statusCode()).isEqualTo(200);
  }
}
