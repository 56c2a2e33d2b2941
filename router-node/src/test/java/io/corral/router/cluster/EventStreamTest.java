package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.events.ClusterEvent;
import io.corral.cluster.events.EventStream;
import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** State changes are pushed to every member's subscribers: whoever saw them publishes, nobody polls. */
class EventStreamTest {

  static TestCluster cluster;
  static SimulatedBackend sim;
  static RouterNode one;
  static RouterNode two;
  static final List<ClusterEvent> seen = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    sim = cluster.sim(SimBackendOptions.ollama("llama3"));
    one = cluster.member(List.of(sim.url()));
    two = cluster.member(List.of());
    new EventStream(two.member().hazelcast(), "test", InstantSource.system()).subscribe(seen::add);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void aBackendGoingDownAndAnOperatorsDrainReachSubscribersOnAnotherMember() {
    TestCluster.join(sim.close());
    await().atMost(Duration.ofSeconds(15)).until(() -> seen.stream().anyMatch(e -> e.type().equals("backend_state")
        && e.subject().equals(sim.url()) && e.detail().contains("down")));
    ClusterEvent down = seen.stream().filter(e -> e.type().equals("backend_state")).reduce((a, b) -> b).orElseThrow();
    assertThat(down.member()).isEqualTo(one.apiUrl());
    assertThat(down.detail()).contains("was up");

    Http.post(two.apiUrl() + "/admin/backends/" + sim.url().substring(7) + "/drain", "");
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.stream().anyMatch(e ->
        e.type().equals("admin_backend_drained") && e.subject().equals(sim.url())
            && e.member().equals(two.apiUrl())));
  }
}
