package io.corral.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.backends.BackendHealth;
import io.corral.cluster.backends.BackendKind;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterMembershipTest {

  static List<CorralMember> members;

  @BeforeAll
  static void startCluster() {
    members = TestClusters.start(3);
  }

  @AfterAll
  static void stopCluster() {
    members.forEach(CorralMember::terminate);
  }

  @Test
  @Order(1)
  void threeMembersFormOneClusterAndAgreeOnTheOldestAsLeader() {
    await().atMost(Duration.ofSeconds(20)).until(() -> members.stream().allMatch(m -> m.members().size() == 3));
    Set<UUID> leaders = members.stream().map(m -> m.leaderElection().leaderId()).collect(Collectors.toSet());
    assertThat(leaders).containsExactly(members.get(0).localId());
    assertThat(members.get(0).leaderElection().isLeader()).isTrue();
    assertThat(members.get(1).leaderElection().isLeader()).isFalse();
    assertThat(members.get(2).members()).extracting(MemberView::apiUrl)
        .containsExactly("http://127.0.0.1:9000", "http://127.0.0.1:9001", "http://127.0.0.1:9002");
    assertThat(members.get(2).members()).filteredOn(MemberView::self).extracting(MemberView::name)
        .containsExactly("m2");
  }

  @Test
  @Order(2)
  void backendStateWrittenOnOneMemberIsSeenByTheOthers() {
    BackendRegistry a = new BackendRegistry(members.get(1).hazelcast()).start();
    BackendRegistry b = new BackendRegistry(members.get(2).hazelcast()).start();
    BackendState s = new BackendState("http://127.0.0.1:11434", BackendKind.OLLAMA, BackendHealth.UP, "0.12.6",
        List.of("llama3:latest"), List.of(), 2, false, 1L, members.get(1).localId().toString(), "");
    a.publish(s).toCompletableFuture().join();
    await().atMost(Duration.ofSeconds(5)).until(() -> b.get(s.id()).isPresent());
    assertThat(b.get(s.id())).contains(s);
    a.remove(s.id()).toCompletableFuture().join();
    await().atMost(Duration.ofSeconds(5)).until(() -> b.get(s.id()).isEmpty());
    a.close();
    b.close();
  }

  @Test
  @Order(3)
  void whenTheLeaderCrashesTheNextOldestMemberLeads() {
    CorralMember oldLeader = members.get(0);
    UUID next = members.get(1).localId();
    oldLeader.terminate();
    await().atMost(Duration.ofSeconds(10)).until(() ->
        members.get(1).leaderElection().leaderId().equals(next)
            && members.get(2).leaderElection().leaderId().equals(next));
    assertThat(members.get(1).leaderElection().isLeader()).isTrue();
    assertThat(members.get(2).members()).hasSize(2);
  }
}
