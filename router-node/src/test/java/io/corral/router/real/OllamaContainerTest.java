package io.corral.router.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.router.Http;
import io.corral.router.TestCluster;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * A member in front of a real Ollama server from the {@code ollama/ollama} image. Skips where there is no Docker
 * engine or the image cannot be pulled (no registry access), which is the case on the project's own machines.
 */
@Testcontainers(disabledWithoutDocker = true)
class OllamaContainerTest {

  static GenericContainer<?> ollama;
  static TestCluster cluster;
  static String api;

  @BeforeAll
  static void start() {
    try {
      ollama = new GenericContainer<>("ollama/ollama:0.12.6").withExposedPorts(11434)
          .waitingFor(Wait.forHttp("/api/version").forStatusCode(200)).withStartupTimeout(Duration.ofMinutes(2));
      ollama.start();
    } catch (RuntimeException e) {
      assumeTrue(false, "ollama/ollama cannot be started here: " + e.getMessage());
    }
    cluster = new TestCluster();
    api = cluster.member(List.of("http://" + ollama.getHost() + ":" + ollama.getMappedPort(11434))).apiUrl();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
    if (ollama != null) {
      ollama.stop();
    }
  }

  @Test
  void theRealOllamaIsFingerprintedAndAnswersThroughTheMember() {
    JsonObject backend = new JsonObject(Http.get(api + "/api/cluster").body()).getJsonArray("backends")
        .getJsonObject(0);
    assertThat(backend.getString("kind")).isEqualTo("ollama");
    assertThat(backend.getString("health")).isEqualTo("up");
    assertThat(new JsonObject(Http.get(api + "/api/version").body()).getString("version")).startsWith("0.");
    assertThat(Http.get(api + "/api/tags").statusCode()).isEqualTo(200);
    HttpResponse<String> missing = Http.post(api + "/api/chat", "{\"model\":\"not-pulled\",\"messages\":[]}");
    assertThat(missing.statusCode()).isEqualTo(404);
  }
}
