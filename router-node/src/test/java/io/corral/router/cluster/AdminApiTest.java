package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** Operators add, drain, enable and remove backends through any member; every member follows. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminApiTest {

  static final String TOKEN = "s3cret-token";
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static TestCluster cluster;
  static SimulatedBackend sim;
  static RouterNode one;
  static RouterNode two;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    sim = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2));
    one = cluster.member(List.of(), f -> f.put("adminToken", TOKEN));
    two = cluster.member(List.of(), f -> f.put("adminToken", TOKEN));
  }

  @AfterAll
  static void stop() {
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

  static String health(RouterNode n) {
    JsonArray list = new JsonObject(Http.get(n.apiUrl() + "/api/cluster").body()).getJsonArray("backends");
    return list.stream().map(o -> (JsonObject) o).filter(o -> o.getString("id").equals(sim.url()))
        .map(o -> o.getString("health")).findFirst().orElse("absent");
  }

  static HttpResponse<String> chat(RouterNode n) {
    return Http.post(n.apiUrl() + "/api/chat",
        "{\"model\":\"llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":false}");
  }

  @Test
  @Order(1)
  void withoutTheTokenOrWithBadInputNothingChanges() throws Exception {
    String body = "{\"url\":\"" + sim.url() + "\",\"slots\":2}";
    HttpResponse<String> none = call("POST", one.apiUrl() + "/admin/backends", body, null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(none.body()).getString("error")).contains("admin token");
    assertThat(call("POST", one.apiUrl() + "/admin/backends", body, "wrong").statusCode()).isEqualTo(401);
    HttpResponse<String> noUrl = call("POST", one.apiUrl() + "/admin/backends", "{\"slots\":2}", TOKEN);
    assertThat(noUrl.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(noUrl.body()).getString("error")).contains("url");
    assertThat(call("POST", one.apiUrl() + "/admin/backends", "{\"url\":\"" + sim.url() + "\",\"slots\":0}",
        TOKEN).statusCode()).isEqualTo(400);
    assertThat(call("POST", one.apiUrl() + "/admin/backends", "not json", TOKEN).statusCode()).isEqualTo(400);
    assertThat(call("DELETE", one.apiUrl() + "/admin/backends/127.0.0.1:1", null, TOKEN).statusCode())
        .isEqualTo(404);
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> health(two).equals("absent"));
  }

  @Test
  @Order(2)
  void aBackendAddedThroughOneMemberIsRoutableThroughEveryMember() throws Exception {
    HttpResponse<String> added = call("POST", one.apiUrl() + "/admin/backends",
        "{\"url\":\"" + sim.url() + "\",\"slots\":2,\"kind\":\"ollama\"}", TOKEN);
    assertThat(added.statusCode()).isEqualTo(201);
    await().atMost(Duration.ofSeconds(10)).until(() -> health(two).equals("up") && health(one).equals("up"));
    assertThat(chat(two).statusCode()).isEqualTo(200);
  }

  @Test
  @Order(3)
  void aDrainedBackendTakesNoNewRequestsUntilEnabled() throws Exception {
    String id = sim.url().substring("http://".length());
    assertThat(call("POST", two.apiUrl() + "/admin/backends/" + id + "/drain", null, TOKEN).statusCode())
        .isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> health(one).equals("draining")
        && health(two).equals("draining"));
    HttpResponse<String> refused = chat(one);
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(refused.body()).getString("error")).contains("llama3");

    assertThat(call("POST", one.apiUrl() + "/admin/backends/" + id + "/enable", null, TOKEN).statusCode())
        .isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> health(one).equals("up") && health(two).equals("up"));
    assertThat(chat(one).statusCode()).isEqualTo(200);
  }

  @Test
  @Order(4)
  void aRemovedBackendDisappearsFromEveryMember() throws Exception {
    String id = sim.url().substring("http://".length());
    assertThat(call("DELETE", two.apiUrl() + "/admin/backends/" + id, null, TOKEN).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> health(one).equals("absent")
        && health(two).equals("absent"));
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> health(one).equals("absent"));
  }
}
