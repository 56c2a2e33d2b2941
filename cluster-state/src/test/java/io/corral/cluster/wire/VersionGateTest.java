package io.corral.cluster.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.ClusterSettings;
import io.corral.cluster.CorralMember;
import io.corral.cluster.MemberIdentity;
import io.corral.cluster.TestClusters;
import io.corral.cluster.ledger.AcquireRequest;
import io.corral.cluster.ledger.AcquireResult;
import io.corral.cluster.ledger.LedgerSnapshot;
import io.corral.cluster.ledger.ReleaseResult;
import io.corral.cluster.ledger.SlotLedger;
import io.corral.cluster.ledger.Strategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster writes in the newest version every member speaks: a member of the newer build beside one of the
 * older uses none of the newer fields, and starts using them once the older member has left; meanwhile the two
 * builds keep one queue in arrival order and free each lease once.
 */
class VersionGateTest {

  static final String BACKEND = "http://127.0.0.1:11434";
  final List<CorralMember> members = new ArrayList<>();

  @AfterEach
  void stop() {
    members.forEach(CorralMember::terminate);
  }

  @Test
  void aNewerMemberBesideAnOlderOneWritesWhatTheOlderReadsUntilTheOlderLeaves() throws Exception {
    ClusterSettings s = TestClusters.settings(2);
    CorralMember newer = start(s, "newer");
    assertThat(newer.versionGate().agreed()).as("alone, the newer build uses its own version")
        .isEqualTo(WireVersion.CURRENT);
    CorralMember older = start(s.withWireVersion(WireVersion.V1), "older");
    for (CorralMember m : members) {
      await().atMost(Duration.ofSeconds(10)).until(() -> m.versionGate().agreed() == WireVersion.V1);
    }
    assertThat(newer.self().wireVersion()).isEqualTo(WireVersion.CURRENT);
    assertThat(older.members()).extracting(v -> v.wireVersion())
        .containsExactlyInAnyOrder(WireVersion.CURRENT, WireVersion.V1);

    SlotLedger ledger = new SlotLedger(newer.hazelcast());
    ledger.found(true).toCompletableFuture().get(10, TimeUnit.SECONDS);
    ledger.setCapacity(BACKEND, 4, true).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(acquire(ledger, "before").outcome()).isEqualTo(AcquireResult.Outcome.GRANTED);
    assertThat(snapshot(new SlotLedger(older.hazelcast())).oldestLeaseSince(BACKEND))
        .as("a lease granted while an older member is in the cluster carries no grant time").isZero();

    older.shutdown();
    members.remove(older);
    await().atMost(Duration.ofSeconds(10)).until(() -> newer.versionGate().agreed() == WireVersion.CURRENT);
    long before = newer.hazelcast().getCluster().getClusterTime();
    assertThat(acquire(ledger, "after").outcome()).isEqualTo(AcquireResult.Outcome.GRANTED);
    ledger.release("before").toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(snapshot(ledger).oldestLeaseSince(BACKEND)).as("once every member keeps grant times")
        .isBetween(before, newer.hazelcast().getCluster().getClusterTime());
  }

  @Test
  void twoBuildsShareOneQueueInArrivalOrderAndReleaseEachLeaseOnce() throws Exception {
    ClusterSettings s = TestClusters.settings(2);
    CorralMember newer = start(s, "newer");
    CorralMember older = start(s.withWireVersion(WireVersion.V1), "older");
    await().atMost(Duration.ofSeconds(10)).until(() -> newer.versionGate().agreed() == WireVersion.V1);
    SlotLedger viaNewer = new SlotLedger(newer.hazelcast());
    SlotLedger viaOlder = new SlotLedger(older.hazelcast());
    viaNewer.found(true).toCompletableFuture().get(10, TimeUnit.SECONDS);
    viaOlder.setCapacity(BACKEND, 1, true).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(acquire(viaOlder, "first", 1).outcome()).isEqualTo(AcquireResult.Outcome.GRANTED);
    List<SlotLedger> through = List.of(viaNewer, viaOlder, viaNewer, viaOlder);
    for (int i = 0; i < through.size(); i++) {
      assertThat(acquire(through.get(i), "waiting-" + i, 1).outcome()).isEqualTo(AcquireResult.Outcome.QUEUED);
    }
    List<String> granted = new ArrayList<>();
    String running = "first";
    for (int i = 0; i < through.size(); i++) {
      // released through the other build than the one that acquired, alternately
      SlotLedger releaser = i % 2 == 0 ? viaNewer : viaOlder;
      ReleaseResult r = releaser.release(running).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(r.outcome()).isEqualTo(ReleaseResult.Outcome.RELEASED);
      assertThat(r.grants()).hasSize(1);
      running = r.grants().get(0).ticketId();
      granted.add(running);
      ReleaseResult again = releaser.release(i == 0 ? "first" : granted.get(i - 1)).toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      assertThat(again.grants()).as("a lease released twice frees its slot once").isEmpty();
    }
    assertThat(granted).containsExactly("waiting-0", "waiting-1", "waiting-2", "waiting-3");
    assertThat(snapshot(viaOlder).inFlight(BACKEND)).isEqualTo(1);
  }

  private CorralMember start(ClusterSettings s, String name) {
    CorralMember m = CorralMember.start(s, new MemberIdentity(name, "http://127.0.0.1:" + (9100 + members.size()),
        members.size()));
    members.add(m);
    return m;
  }

  private static AcquireResult acquire(SlotLedger ledger, String ticket) throws Exception {
    return acquire(ledger, ticket, 4);
  }

  private static AcquireResult acquire(SlotLedger ledger, String ticket, int slots) throws Exception {
    return ledger.acquire(AcquireRequest.arrival(ticket, "member-x", "llama3", 5,
        List.of(new AcquireRequest.Candidate(BACKEND, slots)), Strategy.LEAST_LOADED, 1, 100, 100))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static LedgerSnapshot snapshot(SlotLedger ledger) throws Exception {
    return ledger.snapshot().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
