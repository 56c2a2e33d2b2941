package io.corral.router.api;

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
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An unchanged Ollama client pointed at a member gets what it would get from one Ollama server. */
class OllamaApiTest {

  static TestCluster cluster;
  static SimulatedBackend ollamaA;
  static SimulatedBackend ollamaB;
  static SimulatedBackend llama;
  static RouterNode member;
  static String api;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    // 10 tokens at 20/s: the answer takes about half a second to stream
    ollamaA = cluster.sim(SimBackendOptions.ollama("llama3", "qwen2.5:0.5b").withSlots(2)
        .withTokensPerSecond(20).withDefaultTokens(10));
    ollamaB = cluster.sim(SimBackendOptions.ollama("llama3", "mistral").withSlots(2)
        .withTokensPerSecond(20).withDefaultTokens(10));
    llama = cluster.sim(SimBackendOptions.llamaServer("tiny").withSlots(2));
    member = cluster.member(List.of(ollamaA.url(), ollamaB.url(), llama.url()));
    api = member.apiUrl();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void chatStreamsNdjsonChunksAsTheBackendProducesThem() {
    StreamTiming t = StreamTiming.post(api + "/api/chat",
        "{\"model\":\"llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(t.status()).isEqualTo(200);
    assertThat(t.header("Content-Type")).startsWith("application/x-ndjson");
    assertThat(t.lines()).hasSizeGreaterThanOrEqualTo(10);
    JsonObject first = new JsonObject(t.lines().get(0));
    assertThat(first.getJsonObject("message").getString("role")).isEqualTo("assistant");
    assertThat(first.getBoolean("done")).isFalse();
    JsonObject last = new JsonObject(t.lines().get(t.lines().size() - 1));
    assertThat(last.getBoolean("done")).isTrue();
    assertThat(last.getLong("eval_count")).isEqualTo(10L);
    // buffered to the end, every line would arrive together; streamed, they spread over the generation time
    assertThat(t.spreadMillis()).isGreaterThanOrEqualTo(250);
    assertThat(t.header("X-Corral-Backend")).isIn(ollamaA.url(), ollamaB.url());
    assertThat(t.header("X-Corral-Member")).isNotBlank();
  }

  @Test
  void generateStreamsByDefaultAndAnswersOnceWithStreamFalse() {
    StreamTiming t = StreamTiming.post(api + "/api/generate", "{\"model\":\"llama3:latest\",\"prompt\":\"hi\"}");
    assertThat(t.status()).isEqualTo(200);
    assertThat(t.lines()).hasSizeGreaterThan(1);
    assertThat(new JsonObject(t.lines().get(0)).getString("response")).isNotEmpty();

    HttpResponse<String> once = Http.post(api + "/api/generate",
        "{\"model\":\"llama3\",\"prompt\":\"hi\",\"stream\":false}");
    assertThat(once.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(once.body());
    assertThat(body.getBoolean("done")).isTrue();
    assertThat(body.getString("response").split(" ").length).isGreaterThanOrEqualTo(10);
  }

  @Test
  void chatWithStreamFalseReturnsOneJsonObject() {
    HttpResponse<String> r = Http.post(api + "/api/chat",
        "{\"model\":\"mistral\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("X-Corral-Backend")).contains(ollamaB.url());
    JsonObject body = new JsonObject(r.body());
    assertThat(body.getJsonObject("message").getString("content")).isNotBlank();
    assertThat(body.getBoolean("done")).isTrue();
  }

  @Test
  void embedAndLegacyEmbeddingsReturnVectors() {
    HttpResponse<String> embed = Http.post(api + "/api/embed", "{\"model\":\"llama3\",\"input\":[\"a\",\"b\"]}");
    assertThat(embed.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(embed.body()).getJsonArray("embeddings")).hasSize(2);

    HttpResponse<String> legacy = Http.post(api + "/api/embeddings", "{\"model\":\"llama3\",\"prompt\":\"a\"}");
    assertThat(legacy.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(legacy.body()).getJsonArray("embedding")).isNotEmpty();
  }

  @Test
  void tagsIsTheDeduplicatedUnionOverOllamaBackends() {
    HttpResponse<String> r = Http.get(api + "/api/tags");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonArray models = new JsonObject(r.body()).getJsonArray("models");
    List<String> names = models.stream().map(o -> ((JsonObject) o).getString("name")).toList();
    assertThat(names).containsExactlyInAnyOrder("llama3:latest", "qwen2.5:0.5b", "mistral:latest");
  }

  @Test
  void psListsLoadedModelsWithTheBackendHoldingThem() {
    Http.post(api + "/api/generate", "{\"model\":\"qwen2.5:0.5b\",\"prompt\":\"hi\",\"stream\":false}");
    HttpResponse<String> r = Http.get(api + "/api/ps");
    assertThat(r.statusCode()).isEqualTo(200);
    Set<String> loaded = new JsonObject(r.body()).getJsonArray("models").stream()
        .map(o -> ((JsonObject) o).getString("name") + "@" + ((JsonObject) o).getString("corral_backend"))
        .collect(Collectors.toSet());
    assertThat(loaded).contains("qwen2.5:0.5b@" + ollamaA.url());
  }

  @Test
  void showNeedsNoSlotSoItAnswersWhileEverySlotOfTheModelsBackendIsBusy() {
    // qwen2.5 is only on backend A, which has one slot (no slots configured: Ollama's default); a 2-second
    // answer takes it
    String longAnswer = "{\"model\":\"qwen2.5:0.5b\",\"prompt\":\"hi\",\"stream\":false,"
        + "\"options\":{\"num_predict\":40}}";
    CompletableFuture<HttpResponse<String>> busy = CompletableFuture.supplyAsync(
        () -> Http.post(api + "/api/generate", longAnswer));
    await().atMost(Duration.ofSeconds(5)).until(() -> ollamaA.stats().processing() == 1);

    HttpResponse<String> show = Http.post(api + "/api/show", "{\"name\":\"qwen2.5:0.5b\"}");
    assertThat(show.statusCode()).isEqualTo(200);
    assertThat(show.headers().firstValue("X-Corral-Backend")).contains(ollamaA.url());
    assertThat(busy).as("the generation still runs").isNotDone();
    assertThat(busy.join().statusCode()).isEqualTo(200);

    assertThat(Http.post(api + "/api/show", "{\"model\":\"nope\"}").statusCode()).isEqualTo(404);
    HttpResponse<String> missing = Http.post(api + "/api/show", "{}");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(missing.body()).getString("error")).isEqualTo("model is required");
  }

  @Test
  void showVersionAndRootAnswerLikeOllama() {
    HttpResponse<String> show = Http.post(api + "/api/show", "{\"model\":\"llama3\"}");
    assertThat(show.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(show.body()).containsKey("details")).isTrue();

    HttpResponse<String> version = Http.get(api + "/api/version");
    assertThat(new JsonObject(version.body()).getString("version")).isEqualTo("0.12.6");

    HttpResponse<String> root = Http.get(api + "/");
    assertThat(root.statusCode()).isEqualTo(200);
    assertThat(root.body()).isEqualTo("Ollama is running");
    HttpResponse<String> head = Http.send(HttpRequest.newBuilder(URI.create(api + "/"))
        .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("X-Corral-Member")).isPresent();
  }

  @Test
  void anOllamaCallIsNeverSentToABackendWithoutTheOllamaApi() {
    HttpResponse<String> r = Http.post(api + "/api/chat",
        "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(new JsonObject(r.body()).getString("error")).contains("/v1/");
    assertThat(llama.stats().requestsStarted()).isZero();
  }

  @Test
  void requestIdIsPropagatedAndMetricsCountRequestsPerBackend() {
    HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(api + "/api/generate"))
        .header("X-Request-Id", "req-42").timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"mistral\",\"prompt\":\"x\",\"stream\":false}"))
        .build());
    assertThat(r.headers().firstValue("X-Request-Id")).contains("req-42");
    String metrics = Http.get(api + "/metrics").body();
    assertThat(metrics).contains("corral_requests_total{backend=\"" + ollamaB.url() + "\",route=\"generate\","
        + "status=\"200\"}");
    assertThat(metrics).contains("corral_request_duration_seconds");
  }
}
