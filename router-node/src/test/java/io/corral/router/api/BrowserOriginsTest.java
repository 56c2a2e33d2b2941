package io.corral.router.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.backends.BackendState;
import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Web pages call the model APIs from a browser the way they call Ollama: pages from this machine and the origins
 * the operator lists may (CORS preflight and response headers), any other origin is refused.
 */
class BrowserOriginsTest {

  static TestCluster cluster;
  static RouterNode member;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    SimulatedBackend sim = cluster.sim(SimBackendOptions.ollama("llama3"));
    member = cluster.member(List.of(sim.url()), f -> f.put("corsOrigins", List.of("https://chat.example.com")));
    await().atMost(Duration.ofSeconds(10)).until(() -> member.backends().all().stream().anyMatch(BackendState::isUp));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static HttpResponse<String> preflight(String path, String origin) {
    return Http.send(HttpRequest.newBuilder(URI.create(member.apiUrl() + path))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type,authorization,x-stainless-os").build());
  }

  @Test
  void aPageFromThisMachineOrAListedOriginPassesThePreflightAndReadsTheAnswer() {
    for (String origin : List.of("http://localhost:3000", "http://127.0.0.1:8080", "https://chat.example.com",
        "vscode-webview://abc123")) {
      HttpResponse<String> pre = preflight("/v1/chat/completions", origin);
      assertThat(pre.statusCode()).as(origin).isBetween(200, 204);
      assertThat(pre.headers().firstValue("Access-Control-Allow-Origin")).as(origin).contains(origin);
      assertThat(pre.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("POST");
      assertThat(pre.headers().firstValue("Access-Control-Allow-Headers").orElse("").toLowerCase())
          .contains("content-type", "authorization");
    }
    HttpResponse<String> chat = Http.send(HttpRequest.newBuilder(URI.create(member.apiUrl() + "/api/chat"))
        .header("Origin", "http://localhost:3000").POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"llama3\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build());
    assertThat(chat.statusCode()).isEqualTo(200);
    assertThat(chat.headers().firstValue("Access-Control-Allow-Origin")).contains("http://localhost:3000");
    assertThat(chat.headers().firstValue("Access-Control-Expose-Headers").orElse("")).contains("X-Corral-Backend");
  }

  @Test
  void aPageFromAnyOtherOriginIsRefusedInTheApisShape() {
    HttpResponse<String> pre = preflight("/v1/chat/completions", "https://evil.example");
    assertThat(pre.statusCode()).isEqualTo(403);
    assertThat(pre.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    HttpResponse<String> tags = Http.send(HttpRequest.newBuilder(URI.create(member.apiUrl() + "/api/tags"))
        .header("Origin", "https://evil.example").build());
    assertThat(tags.statusCode()).isEqualTo(403);
    assertThat(new JsonObject(tags.body()).getString("error")).contains("https://evil.example", "--cors-origin");
    // nor may it use the admin API through the operator's browser (a form post needs no preflight)
    HttpResponse<String> drain = Http.send(HttpRequest.newBuilder(URI.create(member.apiUrl()
        + "/admin/backends/127.0.0.1:1/drain")).header("Origin", "https://evil.example")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("x=1")).build());
    assertThat(drain.statusCode()).isEqualTo(403);
  }

  @Test
  void clientsThatSendNoOriginAreNotConcerned() {
    assertThat(Http.get(member.apiUrl() + "/api/tags").statusCode()).isEqualTo(200);
    assertThat(Http.get(member.apiUrl() + "/health").statusCode()).isEqualTo(200);
  }
}
