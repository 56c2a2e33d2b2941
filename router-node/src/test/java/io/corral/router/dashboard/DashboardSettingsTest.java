package io.corral.router.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.dashboard.DashboardSettings;
import io.corral.router.config.ConfigException;
import io.corral.router.config.ConfigLoader;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DashboardSettingsTest {

  @Test
  void defaultsMatchTheDesign() {
    DashboardSettings d = ConfigLoader.load(Map.of(), Map.of(), null).dashboard();
    assertThat(d).isEqualTo(DashboardSettings.DEFAULTS);
    assertThat(d.port()).isEqualTo(8080);
    assertThat(d.fallback()).isTrue();
  }

  @Test
  void flagsAndEnvironmentSetTheDashboard() {
    DashboardSettings d = ConfigLoader.load(Map.of("dashboardFallback", "false", "dashboardEventSampleRate", "10%",
            "dashboardMaxEvents", "500", "appStaleAfter", "30s"),
        Map.of("CORRAL_DASHBOARD_PORT", "9090", "CORRAL_APP_REMOVE_AFTER", "2m"), null).dashboard();
    assertThat(d.port()).isEqualTo(9090);
    assertThat(d.fallback()).isFalse();
    assertThat(d.eventSampleRate()).isEqualTo(0.1);
    assertThat(d.maxEvents()).isEqualTo(500);
    assertThat(d.appStaleAfter()).isEqualTo(Duration.ofSeconds(30));
    assertThat(d.appRemoveAfter()).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void nonsenseIsRefusedWithTheSettingsName() {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("dashboardEventSampleRate", "2"), Map.of(), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("dashboardEventSampleRate");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("appStaleAfter", "10m"), Map.of(), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("appRemoveAfter");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("dashboardStatsInterval", "10ms"), Map.of(), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("dashboardStatsInterval");
  }
}
