package io.corral.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SimFleetTest extends SimulatorTestBase {

  @Test
  void startsEveryBackendOnItsOwnPortAndClosesThemTogether() {
    SimFleet fleet = TestHttp.await(SimFleet.start(vertx, List.of(SimBackendOptions.ollama("llama3"),
        SimBackendOptions.ollama("mistral"), SimBackendOptions.llamaServer("qwen")), "127.0.0.1", 0));

    assertThat(fleet.backends()).hasSize(3);
    assertThat(fleet.urls()).doesNotHaveDuplicates().allMatch(u -> u.startsWith("http://127.0.0.1:"));
    assertThat(http.get(fleet.backend(0), "/").body()).isEqualTo("Ollama is running");
    assertThat(http.get(fleet.backend(2), "/health").status()).isEqualTo(200);

    TestHttp.await(fleet.close());

    assertThat(TestHttp.await(http.send(io.vertx.core.http.HttpMethod.GET, fleet.backend(0), "/", null)
        .map(r -> "answered").recover(e -> io.vertx.core.Future.succeededFuture("refused"))))
        .isEqualTo("refused");
  }
}
