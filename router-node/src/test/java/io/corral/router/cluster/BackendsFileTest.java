package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.router.config.ConfigException;
import io.corral.router.config.ConfigLoader;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backends file edited while the cluster runs: what it lists appears cluster-wide, what it drops disappears. */
class BackendsFileTest {

  @TempDir
  static Path dir;
  static Path file;
  static TestCluster cluster;
  static SimulatedBackend a;
  static SimulatedBackend b;
  static RouterNode reader;
  static RouterNode other;

  @BeforeAll
  static void start() throws Exception {
    cluster = new TestCluster();
    a = cluster.sim(SimBackendOptions.ollama("llama3"));
    b = cluster.sim(SimBackendOptions.ollama("qwen"));
    file = dir.resolve("backends.txt");
    Files.writeString(file, "# lab machines\n127.0.0.1:" + a.port() + "\n");
    reader = cluster.member(List.of(), f -> f.put("backendsFile", file.toString()));
    other = cluster.member(List.of());
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static Set<String> upBackends(RouterNode n) {
    JsonArray list = new JsonObject(Http.get(n.apiUrl() + "/api/cluster").body()).getJsonArray("backends");
    return list.stream().map(o -> (JsonObject) o).filter(o -> o.getString("health").equals("up"))
        .map(o -> o.getString("id")).collect(Collectors.toSet());
  }

  @Test
  void backendsAddedToAndRemovedFromTheFileAppearAndDisappearOnEveryMemberAndABadEditChangesNothing()
      throws Exception {
    await().atMost(Duration.ofSeconds(15)).until(() -> upBackends(other).equals(Set.of(a.url())));

    Files.writeString(file, "# lab machines\n" + b.url() + ";slots=2\n");
    await().atMost(Duration.ofSeconds(15)).until(() -> upBackends(other).equals(Set.of(b.url())));
    assertThat(upBackends(reader)).containsExactly(b.url());

    Files.writeString(file, b.url() + "\n127.0.0.1:" + a.port() + ";slots=lots\n");
    await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(8))
        .until(() -> upBackends(other).equals(Set.of(b.url())));
  }

  @Test
  void aMemberDoesNotStartOnABackendsFileItCannotParseOrRead() throws Exception {
    Path bad = dir.resolve("bad.txt");
    Files.writeString(bad, "127.0.0.1:11434\nnot a backend\n");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("backendsFile", bad.toString()), Map.of(), null))
        .isInstanceOf(ConfigException.class).hasMessageContaining("--backends-file").hasMessageContaining("line 2");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("backendsFile", dir.resolve("missing.txt").toString()),
        Map.of(), null)).isInstanceOf(ConfigException.class).hasMessageContaining("cannot read");
  }
}
