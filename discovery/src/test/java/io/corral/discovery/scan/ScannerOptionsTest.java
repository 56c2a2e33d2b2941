package io.corral.discovery.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ScannerOptionsTest {

  @Test
  void theDefaultsAre64AtOnceA300MsConnectAndA2SecondProbe() {
    assertThat(ScannerOptions.DEFAULTS)
        .isEqualTo(new ScannerOptions(64, Duration.ofMillis(300), Duration.ofSeconds(2)));
  }

  @Test
  void nonsenseOptionsAreRefusedWhenBuilt() {
    assertThatThrownBy(() -> ScannerOptions.DEFAULTS.withConcurrency(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("concurrency");
    assertThatThrownBy(() -> ScannerOptions.DEFAULTS.withConnectTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("connect timeout");
    assertThatThrownBy(() -> ScannerOptions.DEFAULTS.withProbeTimeout(Duration.ofHours(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("probe timeout");
  }
}
