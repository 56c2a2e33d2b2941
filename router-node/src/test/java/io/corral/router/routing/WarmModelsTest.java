package io.corral.router.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How long a model takes to load, as a member learns it from requests that ran where it was cold. */
class WarmModelsTest {

  private final WarmModels warm = new WarmModels();

  @Test
  void beforeAnyColdRequestTheConfiguredWaitStands() {
    assertThat(warm.expectedLoadTime("qwen:latest", Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void theFirstColdFirstByteBecomesTheExpectedLoadTimeAndLaterOnesMoveItGradually() {
    warm.loaded("qwen:latest", Duration.ofMillis(800));
    assertThat(warm.expectedLoadTime("qwen:latest", Duration.ofSeconds(5))).isEqualTo(Duration.ofMillis(800));

    warm.loaded("qwen:latest", Duration.ofMillis(4800));
    assertThat(warm.expectedLoadTime("qwen:latest", Duration.ofSeconds(5)))
        .as("one slow load moves it a quarter of the way").isEqualTo(Duration.ofMillis(1800));
    assertThat(warm.expectedLoadTime("llama3:latest", Duration.ofSeconds(5))).as("per model")
        .isEqualTo(Duration.ofSeconds(5));
  }
}
