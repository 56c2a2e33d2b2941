package io.corral.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.router.Http;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad requests get the right status and an error in the API's own shape, and the member keeps serving. */
class BadInputTest {

  static TestCluster cluster;
  static SimulatedBackend ollama;
  static String api;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    ollama = cluster.sim(SimBackendOptions.ollama("llama3"));
    api = cluster.member(List.of(ollama.url()), f -> f.put("maxBodySize", "1KiB")).apiUrl();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @AfterEach
  void memberStillServes() {
    HttpResponse<String> r = Http.post(api + "/api/generate", "{\"model\":\"llama3\",\"prompt\":\"x\","
        + "\"stream\":false}");
    assertThat(r.statusCode()).isEqualTo(200);
  }

  static String ollamaError(HttpResponse<String> r) {
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    assertThat(r.headers().firstValue("X-Corral-Member")).isPresent();
    return new JsonObject(r.body()).getString("error");
  }

  static JsonObject openAiError(HttpResponse<String> r) {
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.fieldNames()).contains("message", "type", "code");
    return error;
  }

  @Test
  void malformedJsonIs400InEachApisShape() {
    HttpResponse<String> o = Http.post(api + "/api/chat", "{\"model\": \"llama3\", ");
    assertThat(o.statusCode()).isEqualTo(400);
    assertThat(ollamaError(o)).contains("invalid JSON");

    HttpResponse<String> a = Http.post(api + "/v1/chat/completions", "not json");
    assertThat(a.statusCode()).isEqualTo(400);
    assertThat(openAiError(a).getString("type")).isEqualTo("invalid_request_error");
  }

  @Test
  void missingModelIs400() {
    HttpResponse<String> o = Http.post(api + "/api/generate", "{\"prompt\":\"hi\"}");
    assertThat(o.statusCode()).isEqualTo(400);
    assertThat(ollamaError(o)).isEqualTo("model is required");

    HttpResponse<String> a = Http.post(api + "/v1/completions", "{\"prompt\":\"hi\"}");
    assertThat(a.statusCode()).isEqualTo(400);
    assertThat(openAiError(a).getString("code")).isEqualTo("missing_model");
  }

  @Test
  void unknownModelIs404() {
    HttpResponse<String> o = Http.post(api + "/api/chat", "{\"model\":\"nope\",\"messages\":[]}");
    assertThat(o.statusCode()).isEqualTo(404);
    assertThat(ollamaError(o)).isEqualTo("model \"nope\" not found, try pulling it first");

    HttpResponse<String> a = Http.post(api + "/v1/chat/completions", "{\"model\":\"nope\",\"messages\":[]}");
    assertThat(a.statusCode()).isEqualTo(404);
    assertThat(openAiError(a).getString("code")).isEqualTo("model_not_found");
  }

  @Test
  void wrongMethodIs405() {
    HttpResponse<String> o = Http.get(api + "/api/chat");
    assertThat(o.statusCode()).isEqualTo(405);
    assertThat(ollamaError(o)).contains("GET");

    HttpResponse<String> a = Http.get(api + "/v1/chat/completions");
    assertThat(a.statusCode()).isEqualTo(405);
    assertThat(openAiError(a).getString("code")).isEqualTo("method_not_allowed");
  }

  @Test
  void bodyOverTheLimitIs413() {
    long startedBefore = ollama.stats().requestsStarted();
    String big = "{\"model\":\"llama3\",\"prompt\":\"" + "x".repeat(4096) + "\"}";
    HttpResponse<String> o = Http.post(api + "/api/generate", big);
    assertThat(o.statusCode()).isEqualTo(413);
    assertThat(ollamaError(o)).contains("larger than the limit");

    HttpResponse<String> a = Http.post(api + "/v1/completions", big);
    assertThat(a.statusCode()).isEqualTo(413);
    assertThat(openAiError(a).getString("code")).isEqualTo("body_too_large");
    assertThat(ollama.stats().requestsStarted()).isEqualTo(startedBefore);
  }

  @Test
  void headersOverTheLimitAre431() {
    HttpResponse<String> r = Http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(api
            + "/api/generate")).header("X-Padding", "x".repeat(20_000))
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3\"}")).build());
    assertThat(r.statusCode()).isEqualTo(431);
    assertThat(ollamaError(r)).contains("headers are larger than the limit");
  }

  @Test
  void unknownRouteIs404() {
    HttpResponse<String> o = Http.get(api + "/api/nothing-here");
    assertThat(o.statusCode()).isEqualTo(404);
    assertThat(ollamaError(o)).contains("no such endpoint");

    HttpResponse<String> a = Http.post(api + "/v1/nothing", "{}");
    assertThat(a.statusCode()).isEqualTo(404);
    assertThat(openAiError(a).getString("code")).isEqualTo("not_found");
  }

  @Test
  void emptyBodyAndNonBooleanStreamAre400() {
    HttpResponse<String> empty = Http.send(HttpRequest.newBuilder(URI.create(api + "/api/chat"))
        .POST(HttpRequest.BodyPublishers.noBody()).build());
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(ollamaError(empty)).contains("body is required");

    HttpResponse<String> stream = Http.post(api + "/api/chat", "{\"model\":\"llama3\",\"stream\":\"yes\"}");
    assertThat(stream.statusCode()).isEqualTo(400);
    assertThat(ollamaError(stream)).contains("stream");
  }
}
