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
    join(onA.found(true));
    String a = members.get(0).localId().toString();
    String b = members.get(1).localId().toString();
    List<Grant> told = new CopyOnWriteArrayList<>();
    GrantNotifier notifierB = GrantNotifier.of(members.get(1).hazelcast());
    notifierB.subscribe(b, told::add);

    join(onA.setCapacity("be", 1, true));
    List<AcquireRequest.Candidate> c = List.of(new AcquireRequest.Candidate("be", 1));
    AcquireResult first = join(onA.acquire(AcquireRequest.arrival("t1", a, "m", 5, c, Strategy.LEAST_LOADED, 0, 10,
        10)));
    assertThat(first.outcome()).isEqualTo(AcquireResult.Outcome.GRANTED);
    AcquireResult second = join(onB.acquire(AcquireRequest.arrival("t2", b, "m", 5, c, Strategy.LEAST_LOADED, 0, 10,
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
    join(onA.found(true));
    String a = members.get(0).localId().toString();
    String b = members.get(1).localId().toString();
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
      socket.setSoTimeout(5000);
      String notifyTo = "127.0.0.1:" + socket.getLocalPort();
      join(onA.setCapacity("be", 1, true));
      List<AcquireRequest.Candidate> c = List.of(new AcquireRequest.Candidate("be", 1));
      join(onA.acquire(AcquireRequest.arrival("d1", a, "m", 5, c, Strategy.LEAST_LOADED, 0, 10, 10)));
      AcquireResult queued = join(onB.acquire(AcquireRequest.arrival("d2", b, "m", 5, c, Strategy.LEAST_LOADED, 0, 10,
          10).notifyingAt(notifyTo)));
      assertThat(queued.outcome()).isEqualTo(AcquireResult.Outcome.QUEUED);

      // the release goes through the member that does not hold the ticket: the notice comes from the owner
      join(onA.release("d1"));
      DatagramPacket packet = new DatagramPacket(new byte[GrantDatagram.MAX_BYTES], GrantDatagram.MAX_BYTES);
      socket.receive(packet);
      Grant told = GrantDatagram.decode(Arrays.copyOf(packet.getData(), packet.getLength()),
          members.get(1).noticeSigner().orElseThrow());
      assertThat(told).isEqualTo(new Grant("d2", b, "be"));
    }
  }

  @Test
  void anAcquireOrReleaseRetriedWithTheSameIdChangesNothingTheSecondTime() {
    SlotLedger ledger = new SlotLedger(members.get(1).hazelcast(), "pool-" + System.nanoTime());
    join(ledger.found(true));
    String m = members.get(1).localId().toString();
    join(ledger.setCapacity("be", 1, true));
    List<AcquireRequest.Candidate> c = List.of(new AcquireRequest.Candidate("be", 1));
    AcquireRequest once = AcquireRequest.arrival("same", m, "m", 5, c, Strategy.LEAST_LOADED, 0, 10, 10);
    AcquireResult first = join(ledger.acquire(once));
    assertThat(join(ledger.acquire(once))).isEqualTo(first);
    assertThat(join(ledger.snapshot()).inFlight("be")).isOne();
    AcquireRequest queued = AcquireRequest.arrival("next", m, "m", 5, c, Strategy.LEAST_LOADED, 0, 10, 10);
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
    join(onA.found(true));
    String a = members.get(0).localId().toString();
    String b = members.get(1).localId().toString();
    LeaderTerm old = join(onA.claimLeadership(a));
    assertThat(join(onA.setCapacity("be", 1, true, old)).outcome()).isNotEqualTo(ReleaseResult.Outcome.FENCED);
    join(onB.acquire(AcquireRequest.arrival("held", b, "m", 5, List.of(new AcquireRequest.Candidate("be", 1)),
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

  @Test
  void aLedgerEntryWipedUnderRunningLeasesGrantsNothingUntilEveryMemberHasPutItsLeasesBack() {
    SlotLedger onA = new SlotLedger(members.get(0).hazelcast(), "pool-" + System.nanoTime());
    SlotLedger onB = new SlotLedger(members.get(1).hazelcast(), onA.pool());
    String a = members.get(0).localId().toString();
    String b = members.get(1).localId().toString();
    String incarnation = join(onA.found(true));
    List<AcquireRequest.Candidate> c = List.of(new AcquireRequest.Candidate("be", 2));
    join(onA.setCapacity("be", 2, true));
    assertThat(join(onA.acquire(AcquireRequest.arrival("run-a", a, "m", 5, c, Strategy.LEAST_LOADED, 0, 10, 10)))
        .outcome()).isEqualTo(AcquireResult.Outcome.GRANTED);
    assertThat(join(onB.acquire(AcquireRequest.arrival("run-b", b, "m", 5, c, Strategy.LEAST_LOADED, 0, 10, 10)))
        .outcome()).isEqualTo(AcquireResult.Outcome.GRANTED);

    // someone deletes the entry: the two running requests are forgotten
    members.get(0).hazelcast().getMap(SlotLedger.MAP_NAME).delete(onA.pool());
    // the next request finds the slots free-looking, but the new incarnation grants nothing yet
    AcquireResult next = join(onB.acquire(AcquireRequest.arrival("next", b, "m", 5, c, Strategy.LEAST_LOADED, 0, 10,
        10)));
    assertThat(next.outcome()).isEqualTo(AcquireResult.Outcome.QUEUED);
    LedgerSnapshot rebuilding = join(onA.snapshot());
    assertThat(rebuilding.rebuilding()).isTrue();
    assertThat(rebuilding.incarnation()).isNotEqualTo(incarnation).isNotEmpty();
    assertThat(join(onA.holdingsOf(a)).awaitingYou()).isTrue();

    // both members put back what runs; the ledger opens, with both slots taken: "next" still waits
    join(onA.reassert(a, List.of(new Grant("run-a", a, "be"))));
    assertThat(join(onA.snapshot()).rebuilding()).isTrue();
    join(onB.reassert(b, List.of(new Grant("run-b", b, "be"))));
    LedgerSnapshot open = join(onA.snapshot());
    assertThat(open.rebuilding()).isFalse();
    assertThat(open.inFlight("be")).isEqualTo(2);
    assertThat(open.queueDepth()).isOne();
    // a slot frees: now "next" gets it
    assertThat(join(onA.release("run-a")).grants()).containsExactly(new Grant("next", b, "be"));
  }

  @Test
  void aRebuildWhoseMembersNeverAnswerEndsWhenItsWaitIsOver() {
    SlotLedger onA = new SlotLedger(members.get(0).hazelcast(), "pool-" + System.nanoTime());
    String a = members.get(0).localId().toString();
    List<AcquireRequest.Candidate> c = List.of(new AcquireRequest.Candidate("be", 1));
    // no found(): the first operation meets a missing entry, which it takes for a lost one
    assertThat(join(onA.acquire(AcquireRequest.arrival("w", a, "m", 5, c, Strategy.LEAST_LOADED, 0, 10, 10)))
        .outcome()).isEqualTo(AcquireResult.Outcome.QUEUED);
    SlotLedger later = new SlotLedger(members.get(0).hazelcast(), onA.pool(),
        () -> java.time.Instant.now().plus(SlotLedger.REBUILD_WAIT));
    assertThat(join(later.tick()).grants()).containsExactly(new Grant("w", a, "be"));
  }

  @Test
  void aValueInTheLedgerEntryThatIsNotALedgerIsTreatedAsLost() {
    SlotLedger onA = new SlotLedger(members.get(0).hazelcast(), "pool-" + System.nanoTime());
    String a = members.get(0).localId().toString();
    members.get(0).hazelcast().getMap(SlotLedger.MAP_NAME).set(onA.pool(), "not a ledger");
    assertThat(join(onA.found(false))).isNotEmpty();
    assertThat(join(onA.snapshot()).rebuilding()).isTrue();
    join(onA.reassert(a, List.of()));
    List<AcquireRequest.Candidate> c = List.of(new AcquireRequest.Candidate("be", 1));
    // this cluster has two members; the other one has not re-asserted yet
    assertThat(join(onA.acquire(AcquireRequest.arrival("x", a, "m", 5, c, Strategy.LEAST_LOADED, 0, 10, 10)))
        .outcome()).isEqualTo(AcquireResult.Outcome.QUEUED);
    join(new SlotLedger(members.get(1).hazelcast(), onA.pool()).reassert(members.get(1).localId().toString(),
        List.of()));
    assertThat(join(onA.snapshot()).inFlight("be")).isOne();
  }
}
