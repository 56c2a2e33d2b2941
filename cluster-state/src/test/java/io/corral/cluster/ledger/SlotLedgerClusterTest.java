package io.corral.cluster.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.CorralMember;
import io.corral.cluster.TestClusters;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ledger through real members: operations from any member act on the one shared entry. */
class SlotLedgerClusterTest {

  static List<CorralMember> members;

  @BeforeAll
  static void start() {
    members = TestClusters.start(2);
    await().atMost(Duration.ofSeconds(20)).until(() -> members.get(0).members().size() == 2);
  }

  @AfterAll
  static void stop() {
    members.forEach(CorralMember::terminate);
  }

  static <T> T join(java.util.concurrent.CompletionStage<T> s) {
    return s.toCompletableFuture().join();
  }

  @Test
  void aSlotFreedThroughOneMemberIsGrantedToATicketQueuedThroughTheOtherAndTheLedgerTellsItsMember() {
    SlotLedger onA = new SlotLedger(members.get(0).hazelcast(), "pool-" + System.nanoTime());
    SlotLedger onB = new SlotLedger(members.get(1).hazelcast(), onA.pool());
    String a = members.get(0).localId().toString();
    String b = members.get(1).localId().toString();
    List<Grant> told = new CopyOnWriteArrayList<>();
    GrantNotifier notifierB = GrantNotifier.of(members.get(1).hazelcast());
    notifierB.subscribe(b, told::add);

    join(onA.setCapacity("be", 1, true));
    List<AcquireRequest.Candidate> c = List.of(new AcquireRequest.Candidate("be", 1));
    AcquireResult first = join(onA.acquire(new AcquireRequest("t1", a, "m", 5, c, Strategy.LEAST_LOADED, 0, 10, 10)));
    assertThat(first.outcome()).isEqualTo(AcquireResult.Outcome.GRANTED);
    AcquireResult second = join(onB.acquire(new AcquireRequest("t2", b, "m", 5, c, Strategy.LEAST_LOADED, 0, 10,
        10)));
    assertThat(second.outcome()).isEqualTo(AcquireResult.Outcome.QUEUED);

    ReleaseResult released = join(onA.release("t1"));
    assertThat(released.grants()).containsExactly(new Grant("t2", b, "be"));
    // nobody publishes: the entry processor that made the grant sent the notice from the partition owner
    await().atMost(Duration.ofSeconds(5)).until(() -> told.size() == 1);
    assertThat(told).containsExactly(new Grant("t2", b, "be"));

    LedgerSnapshot snap = join(onB.snapshot());
    assertThat(snap.inFlight("be")).isOne();
    assertThat(snap.leasesByMember()).containsEntry(b, 1);
    assertThat(join(onA.holdingsOf(b)).leases()).containsExactly(new Grant("t2", b, "be"));
    assertThat(join(onA.membersHolding())).containsExactly(b);
    notifierB.close();
  }

  @Test
  void aTicketWithANoticeAddressIsAlsoToldByADatagramFromTheLedgersOwner() throws Exception {
    SlotLedger onA = new SlotLedger(members.get(0).hazelcast(), "pool-" + System.nanoTime());
    SlotLedger onB = new SlotLedger(members.get(1).hazelcast(), onA.pool());
    String a = members.get(0).localId().toString();
    String b = members.get(1).localId().toString();
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
      socket.setSoTimeout(5000);
      String notifyTo = "127.0.0.1:" + socket.getLocalPort();
      join(onA.setCapacity("be", 1, true));
      List<AcquireRequest.Candidate> c = List.of(new AcquireRequest.Candidate("be", 1));
      join(onA.acquire(new AcquireRequest("d1", a, "m", 5, c, Strategy.LEAST_LOADED, 0, 10, 10)));
      AcquireResult queued = join(onB.acquire(new AcquireRequest("d2", b, "m", 5, c, Strategy.LEAST_LOADED, 0,
          10, 10, -1, 0, notifyTo)));
      assertThat(queued.outcome()).isEqualTo(AcquireResult.Outcome.QUEUED);

      // the release goes through the member that does not hold the ticket: the notice comes from the owner
      join(onA.release("d1"));
      DatagramPacket packet = new DatagramPacket(new byte[GrantDatagram.MAX_BYTES], GrantDatagram.MAX_BYTES);
      socket.receive(packet);
      Grant told = GrantDatagram.decode(Arrays.copyOf(packet.getData(), packet.getLength()));
      assertThat(told).isEqualTo(new Grant("d2", b, "be"));
    }
  }

  @Test
  void anAcquireOrReleaseRetriedWithTheSameIdChangesNothingTheSecondTime() {
    SlotLedger ledger = new SlotLedger(members.get(1).hazelcast(), "pool-" + System.nanoTime());
    String m = members.get(1).localId().toString();
    join(ledger.setCapacity("be", 1, true));
    List<AcquireRequest.Candidate> c = List.of(new AcquireRequest.Candidate("be", 1));
    AcquireRequest once = new AcquireRequest("same", m, "m", 5, c, Strategy.LEAST_LOADED, 0, 10, 10);
    AcquireResult first = join(ledger.acquire(once));
    assertThat(join(ledger.acquire(once))).isEqualTo(first);
    assertThat(join(ledger.snapshot()).inFlight("be")).isOne();
    AcquireRequest queued = new AcquireRequest("next", m, "m", 5, c, Strategy.LEAST_LOADED, 0, 10, 10);
    assertThat(join(ledger.acquire(queued)).outcome()).isEqualTo(AcquireResult.Outcome.QUEUED);
    assertThat(join(ledger.acquire(queued)).outcome()).isEqualTo(AcquireResult.Outcome.QUEUED);
    assertThat(join(ledger.snapshot()).queueDepth()).isOne();

    assertThat(join(ledger.release("same")).grants()).extracting(Grant::ticketId).containsExactly("next");
    ReleaseResult again = join(ledger.release("same"));
    assertThat(again.outcome()).isEqualTo(ReleaseResult.Outcome.UNKNOWN);
    assertThat(again.grants()).isEmpty();
    assertThat(join(ledger.snapshot()).inFlight("be")).isOne();
  }

  @Test
  void anOldLeadersActionsAreFencedOnceANewLeaderClaimedTheLedger() {
    SlotLedger onA = new SlotLedger(members.get(0).hazelcast(), "pool-" + System.nanoTime());
    SlotLedger onB = new SlotLedger(members.get(1).hazelcast(), onA.pool());
    String a = members.get(0).localId().toString();
    String b = members.get(1).localId().toString();
    LeaderTerm old = join(onA.claimLeadership(a));
    assertThat(join(onA.setCapacity("be", 1, true, old)).outcome()).isNotEqualTo(ReleaseResult.Outcome.FENCED);
    join(onB.acquire(new AcquireRequest("held", b, "m", 5, List.of(new AcquireRequest.Candidate("be", 1)),
        Strategy.LEAST_LOADED, 0, 10, 10)));

    LeaderTerm next = join(onB.claimLeadership(b));
    assertThat(next.epoch()).isGreaterThan(old.epoch());

    // A still thinks it leads (it was frozen): its purge of B and its resize change nothing
    assertThat(join(onA.purgeMember(b, old)).outcome()).isEqualTo(ReleaseResult.Outcome.FENCED);
    assertThat(join(onA.setCapacity("be", 0, false, old)).outcome()).isEqualTo(ReleaseResult.Outcome.FENCED);
    LedgerSnapshot snap = join(onB.snapshot());
    assertThat(snap.inFlight("be")).isOne();
    assertThat(snap.backends()).singleElement().satisfies(l -> assertThat(l.available()).isTrue());
    assertThat(join(onB.setCapacity("be", 2, true, next)).outcome()).isNotEqualTo(ReleaseResult.Outcome.FENCED);
  }
}
