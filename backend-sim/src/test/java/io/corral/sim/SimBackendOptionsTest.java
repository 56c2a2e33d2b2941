package io.corral.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimBackendOptionsTest {

  @Test
  void ollamaDefaultsAreOneFastSlot() {
    SimBackendOptions options = SimBackendOptions.ollama("llama3", "mistral");

    assertThat(options).isEqualTo(new SimBackendOptions(SimKind.OLLAMA, 1, List.of("llama3", "mistral"),
        Duration.ZERO, 0, 8, "0.12.6"));
  }

  @Test
  void llamaServerServesExactlyOneModel() {
    assertThat(SimBackendOptions.llamaServer("qwen").models()).containsExactly("qwen");
    assertThatThrownBy(() -> new SimBackendOptions(SimKind.LLAMA_SERVER, 1, List.of("a", "b"), Duration.ZERO, 0, 8,
        "b1")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly one model");
  }

  @Test
  void withersReturnModifiedCopies() {
    SimBackendOptions base = SimBackendOptions.ollama("llama3");

    SimBackendOptions changed = base.withSlots(4).withFirstTokenDelay(Duration.ofMillis(50))
        .withTokensPerSecond(30).withDefaultTokens(16);

    assertThat(changed.slots()).isEqualTo(4);
    assertThat(changed.firstTokenDelay()).isEqualTo(Duration.ofMillis(50));
    assertThat(changed.tokensPerSecond()).isEqualTo(30);
    assertThat(changed.defaultTokens()).isEqualTo(16);
    assertThat(base.slots()).isEqualTo(1);
  }

  @Test
  void invalidValuesAreRejectedEagerly() {
    SimBackendOptions base = SimBackendOptions.ollama("llama3");

    assertThatThrownBy(() -> base.withSlots(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> base.withFirstTokenDelay(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> base.withTokensPerSecond(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> base.withTokensPerSecond(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> base.withDefaultTokens(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(SimBackendOptions::ollama).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SimBackendOptions.ollama(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void faultStateRejectsNonsense() {
    assertThatThrownBy(() -> new SimFaults().failWith(200, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SimFaults().stallAfterChunks(-2)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SimFaults().failWith(503, -2)).isInstanceOf(IllegalArgumentException.class);
  }
}
