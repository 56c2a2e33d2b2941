package io.corral.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.cluster.backends.BackendKind;
import io.corral.cluster.backends.BackendTimeouts;
import org.junit.jupiter.api.Test;

class BackendSpecTest {

  @Test
  void aBareUrlIsNormalizedAndLeavesKindAndSlotsToProbing() {
    BackendSpec s = BackendSpec.parse("http://LOCALHOST:11434/");
    assertThat(s.id().value()).isEqualTo("http://localhost:11434");
    assertThat(s.kind()).isNull();
    assertThat(s.slots()).isNull();
    assertThat(BackendSpec.parse("127.0.0.1:8081").id().value()).isEqualTo("http://127.0.0.1:8081");
  }

  @Test
  void optionsFollowTheUrlAfterSemicolons() {
    BackendSpec s = BackendSpec.parse("http://127.0.0.1:8081;slots=4;kind=llama");
    assertThat(s.slots()).isEqualTo(4);
    assertThat(s.kind()).isEqualTo(BackendKind.LLAMA_SERVER);
    assertThat(s.timeouts()).isEqualTo(BackendTimeouts.DEFAULTS);
  }

  @Test
  void aBackendMayHaveItsOwnTimeouts() {
    BackendSpec s = BackendSpec.parse("10.0.0.5:11434;first-token-timeout=5m;idle-timeout=45s;connect-timeout=1500ms");
    assertThat(s.timeouts()).isEqualTo(new BackendTimeouts(1500, 300_000, 45_000));
    assertThatThrownBy(() -> BackendSpec.parse("h:1;idle-timeout=soon")).hasMessageContaining("bad idle-timeout");
    assertThatThrownBy(() -> BackendSpec.parse("h:1;first-token-timeout=0s")).hasMessageContaining("positive");
  }

  @Test
  void badSpecsSayWhatIsWrong() {
    assertThatThrownBy(() -> BackendSpec.parse("http://h:1;slots=many")).hasMessageContaining("bad slots");
    assertThatThrownBy(() -> BackendSpec.parse("http://h:1;colour=red")).hasMessageContaining("unknown backend option");
    assertThatThrownBy(() -> BackendSpec.parse("http://h:1;slots=0")).hasMessageContaining("1-4096");
    assertThatThrownBy(() -> BackendSpec.parse("http://h:1;kind=vllm")).hasMessageContaining("unknown backend kind");
    assertThatThrownBy(() -> BackendSpec.parse("http://h:1/v1")).hasMessageContaining("without a path");
  }

  @Test
  void anOllamaMayLimitWhatOneModelUsesOfItsSlots() {
    BackendSpec s = BackendSpec.parse("http://127.0.0.1:11434;slots=4;model-slots=2");
    assertThat(s.slots()).isEqualTo(4);
    assertThat(s.modelSlots()).isEqualTo(2);
    assertThat(BackendSpec.parse("127.0.0.1:11434").modelSlots()).isNull();
    assertThat(BackendSpec.fromFields(java.util.Map.of("url", "http://127.0.0.1:11434", "slots", 6, "modelSlots", 3))
        .modelSlots()).isEqualTo(3);
    assertThatThrownBy(() -> BackendSpec.parse("h:1;slots=2;model-slots=3"))
        .hasMessageContaining("model-slots (3) must not exceed its slots (2)");
    assertThatThrownBy(() -> BackendSpec.parse("h:1;model-slots=0")).hasMessageContaining("model-slots must be 1-4096");
    assertThatThrownBy(() -> BackendSpec.parse("h:1;model-slots=two")).hasMessageContaining("bad model-slots");
  }
}
