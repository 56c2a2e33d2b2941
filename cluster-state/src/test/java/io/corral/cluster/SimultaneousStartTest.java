package io.corral.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SimultaneousStartTest {

  @Test
  void membersStartedAtTheSameInstantEndUpInOneClusterWithOneLeader() {
    ClusterSettings s = TestClusters.settings(3);
    CyclicBarrier together = new CyclicBarrier(3);
    List<CompletableFuture<CorralMember>> starting = IntStream.range(0, 3).mapToObj(i ->
        CompletableFuture.supplyAsync(() -> {
          try {
            together.await();
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
          return CorralMember.start(s, new MemberIdentity("m" + i, "http://127.0.0.1:" + (9100 + i), i));
        })).toList();
    List<CorralMember> members = starting.stream().map(CompletableFuture::join).toList();
    try {
      // if they formed separate clusters, the split-brain merge joins them after mergeDelaySeconds
      await().atMost(Duration.ofSeconds(30)).until(() -> members.stream().allMatch(m -> m.members().size() == 3));
      Set<UUID> leaders = members.stream().map(m -> m.leaderElection().leaderId()).collect(Collectors.toSet());
      assertThat(leaders).hasSize(1);
      assertThat(members.stream().filter(m -> m.leaderElection().isLeader())).hasSize(1);
    } finally {
      members.forEach(CorralMember::terminate);
    }
  }
}
