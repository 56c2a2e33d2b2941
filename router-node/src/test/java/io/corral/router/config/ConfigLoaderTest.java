package io.corral.router.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.cluster.backends.BackendKind;
import io.corral.cluster.wire.WireVersion;
import io.corral.discovery.BackendSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir
  Path dir;

  Path file(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @Test
  void withoutAnySourceTheDefaultsKeepEverythingOnLoopback() {
    RouterConfig c = ConfigLoader.load(Map.of(), Map.of(), null);
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(8000);
    assertThat(c.hazelcastPort()).isEqualTo(5701);
    assertThat(c.clusterName()).isEqualTo("corral");
    assertThat(c.multicast()).isFalse();
    assertThat(c.join()).isEmpty();
    assertThat(c.connectTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.firstTokenTimeout()).isEqualTo(Duration.ofSeconds(120));
    assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.maxBodySize()).isEqualTo(32L << 20);
    assertThat(c.dashboardPort()).isEqualTo(8080);
  }

  @Test
  void aMemberSpeaksItsBuildsNewestWireVersionUnlessToldToSpeakAnOlderOne() {
    assertThat(ConfigLoader.load(Map.of(), Map.of(), null).wireVersion()).isEqualTo(WireVersion.CURRENT);
    assertThat(ConfigLoader.load(Map.of("wireVersion", "1"), Map.of(), null).wireVersion()).isEqualTo(1);
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("wireVersion", Integer.toString(WireVersion.CURRENT + 1)),
        Map.of(), null)).isInstanceOf(ConfigException.class).hasMessageContaining("wireVersion must be 1-");
  }

  @Test
  void flagsBeatEnvWhichBeatsTheFileWhichBeatsDefaults() throws IOException {
    Path yaml = file("c.yaml", "port: 9001\nhazelcastPort: 6001\nclusterName: from-file\nidle-timeout: 45s\n");
    Map<String, String> env = Map.of("CORRAL_PORT", "9002", "CORRAL_HAZELCAST_PORT", "6002");
    RouterConfig c = ConfigLoader.load(Map.of("port", "9003"), env, yaml);
    assertThat(c.port()).isEqualTo(9003);
    assertThat(c.hazelcastPort()).isEqualTo(6002);
    assertThat(c.clusterName()).isEqualTo("from-file");
    assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(45));
    assertThat(c.maxBodySize()).isEqualTo(32L << 20);
  }

  @Test
  void theConfigFileCanBeNamedByEnvAndWrittenAsJson() throws IOException {
    Path json = file("c.json", "{\"port\": 9100, \"join\": [\"127.0.0.1:5701\", \"127.0.0.1:5702\"],"
        + " \"maxBodySize\": \"1MiB\"}");
    RouterConfig c = ConfigLoader.load(Map.of(), Map.of("CORRAL_CONFIG", json.toString()), null);
    assertThat(c.port()).isEqualTo(9100);
    assertThat(c.join()).containsExactly("127.0.0.1:5701", "127.0.0.1:5702");
    assertThat(c.maxBodySize()).isEqualTo(1L << 20);
  }

  @Test
  void backendsFromEverySourceAreMergedAndTheHigherSourceSetsTheirOptions() throws IOException {
    Path yaml = file("c.yaml", """
        backends:
          - http://127.0.0.1:11434
          - url: http://127.0.0.1:8081
            slots: 4
            kind: llama-server
            firstTokenTimeout: 5m
        """);
    Map<String, String> env = Map.of("CORRAL_BACKENDS", "http://127.0.0.1:11435,http://127.0.0.1:11434;slots=3");
    RouterConfig c = ConfigLoader.load(Map.of("backends", List.of("http://127.0.0.1:11435;slots=2")), env, yaml);
    assertThat(c.backends()).extracting(b -> b.id().value()).containsExactlyInAnyOrder(
        "http://127.0.0.1:11434", "http://127.0.0.1:8081", "http://127.0.0.1:11435");
    BackendSpec ollama = c.backends().stream().filter(b -> b.id().port() == 11434).findFirst().orElseThrow();
    BackendSpec llama = c.backends().stream().filter(b -> b.id().port() == 8081).findFirst().orElseThrow();
    BackendSpec other = c.backends().stream().filter(b -> b.id().port() == 11435).findFirst().orElseThrow();
    assertThat(ollama.slots()).isEqualTo(3);
    assertThat(llama.kind()).isEqualTo(BackendKind.LLAMA_SERVER);
    assertThat(llama.slots()).isEqualTo(4);
    assertThat(llama.timeouts().firstTokenMillis()).isEqualTo(300_000);
    assertThat(other.slots()).isEqualTo(2);
  }

  @Test
  void badValuesNameTheSettingAndTheirSource() {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("port", "eighty"), Map.of(), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("port").hasMessageContaining("flag --port");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of("CORRAL_IDLE_TIMEOUT", "soon"), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("env CORRAL_IDLE_TIMEOUT");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("backends", List.of("ftp://x:1")), Map.of(), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("scheme");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("port", "70000"), Map.of(), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("not a port");
  }

  @Test
  void unknownKeysAndBrokenFilesAreRejected() throws IOException {
    Path unknown = file("u.yaml", "prot: 8000\n");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of(), unknown))
        .isInstanceOf(ConfigException.class).hasMessageContaining("unknown setting 'prot'");
    Path broken = file("b.yaml", "port: [1, 2\n");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of(), broken))
        .isInstanceOf(ConfigException.class).hasMessageContaining("not valid YAML/JSON");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of(), Map.of(), dir.resolve("missing.yaml")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("does not exist");
  }

  @Test
  void scanningIsOffUnlessRangesAreGivenAndBadRangesOrPortsAreRefusedByName() {
    assertThat(ConfigLoader.load(Map.of(), Map.of(), null).scan().enabled()).isFalse();
    RouterConfig on = ConfigLoader.load(Map.of("scanCidr", List.of("127.0.0.0/30", "127.0.1.5"),
        "scanPorts", "11434:ollama,50052"), Map.of(), null);
    assertThat(on.scan().enabled()).isTrue();
    assertThat(on.scan().ranges()).hasSize(2);
    assertThat(on.scan().ports()).extracting(p -> p.port()).containsExactly(11434, 50052);

    assertThatThrownBy(() -> ConfigLoader.load(Map.of("scanCidr", List.of("192.168.1.0/33")), Map.of(), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--scan-cidr").hasMessageContaining("192.168.1.0/33");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("scanCidr", List.of("10.0.0.0/8")), Map.of(), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--scan-cidr").hasMessageContaining("/16");
    assertThat(ConfigLoader.load(Map.of("scanCidr", List.of("10.0.0.0/8"), "scanMaxPrefix", "8"), Map.of(), null)
        .scan().enabled()).isTrue();
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("scanCidr", List.of("127.0.0.1"), "scanPorts", "99999"),
        Map.of(), null)).isInstanceOf(ConfigException.class).hasMessageContaining("--scan-ports");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("scanPorts", "8080:telnet"), Map.of(), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("telnet");
  }
}
