package io.corral.discovery.fingerprint;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.cluster.backends.BackendId;
import io.corral.cluster.backends.BackendKind;
import io.corral.discovery.net.BackendReads;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Endpoints are identified by what they answer, never assumed. */
class BackendFingerprinterTest {

  static Vertx vertx;
  static BackendFingerprinter fingerprinter;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    fingerprinter = new BackendFingerprinter(BackendReads.unrestricted(vertx, vertx.createHttpClient()), 2_000);
  }

  @AfterAll
  static void stop() {
    join(vertx.close());
  }

  static <T> T join(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static Fingerprint probe(String url) {
    return join(fingerprinter.probe(BackendId.of(url), null));
  }

  @Test
  void anOllamaServerIsRecognisedWithItsVersionModelsAndLoadedModels() {
    SimulatedBackend ollama = join(SimulatedBackend.start(vertx, SimBackendOptions.ollama("llama3", "qwen2.5:0.5b"),
        "127.0.0.1", 0));
    ollama.markLoaded("qwen2.5:0.5b");
    Fingerprint f = probe(ollama.url());
    assertThat(f.kind()).isEqualTo(BackendKind.OLLAMA);
    assertThat(f.ready()).isTrue();
    assertThat(f.version()).isEqualTo("0.12.6");
    assertThat(f.models()).containsExactlyInAnyOrder("llama3:latest", "qwen2.5:0.5b");
    assertThat(f.loadedModels()).containsExactly("qwen2.5:0.5b");
    assertThat(f.reportedSlots()).isZero();
    join(ollama.close());
  }

  @Test
  void aLlamaServerIsRecognisedWithItsOwnSlotCountAndModelAlias() {
    SimulatedBackend llama = join(SimulatedBackend.start(vertx, SimBackendOptions.llamaServer("tiny").withSlots(3),
        "127.0.0.1", 0));
    Fingerprint f = probe(llama.url());
    assertThat(f.kind()).isEqualTo(BackendKind.LLAMA_SERVER);
    assertThat(f.ready()).isTrue();
    assertThat(f.reportedSlots()).isEqualTo(3);
    assertThat(f.models()).contains("tiny:latest");
    join(llama.close());
  }

  @Test
  void aCorralMemberIsNeverTakenForABackend() {
    HttpServer corral = join(vertx.createHttpServer().requestHandler(req -> req.response()
        .putHeader("X-Corral-Member", "127.0.0.1:8000").putHeader("Content-Type", "application/json")
        .end("{\"version\":\"0.12.6\",\"models\":[]}")).listen(0, "127.0.0.1"));
    Fingerprint f = probe("http://127.0.0.1:" + corral.actualPort());
    assertThat(f.ready()).isFalse();
    assertThat(f.kind()).isEqualTo(BackendKind.UNKNOWN);
    assertThat(f.error()).contains("corral member");
    assertThat(f.corralMember()).isTrue();
    join(corral.close());
  }

  /** The generic OpenAI probe always comes last: Ollama and llama-server answer /v1/models as well. */
  @ParameterizedTest
  @EnumSource(value = BackendKind.class, names = {"OLLAMA", "LLAMA_SERVER", "OPENAI"})
  void identifyReportsWhatActuallyAnswersWhicheverKindIsExpected(BackendKind expected) {
    SimulatedBackend llama = join(SimulatedBackend.start(vertx, SimBackendOptions.llamaServer("tiny"),
        "127.0.0.1", 0));
    SimulatedBackend ollama = join(SimulatedBackend.start(vertx, SimBackendOptions.ollama("llama3"),
        "127.0.0.1", 0));
    assertThat(join(fingerprinter.identify(BackendId.of(llama.url()), expected)).kind())
        .isEqualTo(BackendKind.LLAMA_SERVER);
    assertThat(join(fingerprinter.identify(BackendId.of(ollama.url()), expected)).kind())
        .isEqualTo(BackendKind.OLLAMA);
    join(llama.close());
    join(ollama.close());
  }

  @Test
  void anHttpServerThatAnswersLikeNoKnownBackendIsRecordedAsUnknown() {
    HttpServer other = join(vertx.createHttpServer().requestHandler(req -> req.response().setStatusCode(404)
        .end("not here")).listen(0, "127.0.0.1"));
    Fingerprint f = probe("http://127.0.0.1:" + other.actualPort());
    assertThat(f.reachable()).isTrue();
    assertThat(f.ready()).isFalse();
    assertThat(f.kind()).isEqualTo(BackendKind.UNKNOWN);
    join(other.close());
  }

  @Test
  void aClosedPortIsUnreachable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Fingerprint f = probe("http://127.0.0.1:" + port);
    assertThat(f.reachable()).isFalse();
    assertThat(f.error()).isNotBlank();
  }
}
