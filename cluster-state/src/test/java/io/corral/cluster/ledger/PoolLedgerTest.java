package io.corral.cluster.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import io.corral.cluster.ledger.AcquireResult.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ledger's rules, applied directly (the entry processors only call these). */
class PoolLedgerTest {

  static final String A = "http://127.0.0.1:1";
  static final String B = "http://127.0.0.1:2";

  PoolLedger ledger;
  int n;

  @BeforeEach
  void twoBackendsWithTwoSlotsEach() {
    ledger = new PoolLedger();
    ledger.setCapacity(A, 2, true);
    ledger.setCapacity(B, 2, true);
  }

  AcquireRequest req(String id, String member, int priority, String... backends) {
    List<AcquireRequest.Candidate> c = new ArrayList<>();
    for (String b : backends.length == 0 ? new String[] {A, B} : backends) {
      c.add(new AcquireRequest.Candidate(b, 2));
    }
    return AcquireRequest.arrival(id, member, "m", priority, c, Strategy.LEAST_LOADED, n++, 100, 100);
  }

  AcquireResult acquire(String id) {
    return ledger.acquire(req(id, "member-a", 5));
  }

  @Test
  void grantsUpToEachBackendsSlotsAndThenQueues() {
    for (int i = 0; i < 4; i++) {
      assertThat(acquire("r" + i).outcome()).isEqualTo(Outcome.GRANTED);
    }
    assertThat(ledger.snapshot().backends()).allSatisfy(b -> assertThat(b.inFlight()).isEqualTo(2));
    AcquireResult fifth = acquire("r4");
    assertThat(fifth.outcome()).isEqualTo(Outcome.QUEUED);
    assertThat(fifth.position()).isZero();
    assertThat(ledger.snapshot().queueDepth()).isEqualTo(1);
  }

  @Test
  void aRetryOnAnotherBackendKeepsItsArrivalPlaceAheadOfLaterArrivals() {
    AcquireResult first = acquire("r0");
    for (int i = 1; i < 4; i++) {
      acquire("r" + i);
    }
    acquire("w1");
    acquire("w2");
    assertThat(first.seq()).isZero();
    String failed = first.backendId();
    String other = failed.equals(A) ? B : A;

    // r0's backend failed before its first byte: its slot goes to the best waiting ticket, then r0 tries again
    // on the other backend only, under a new ticket, with the sequence it arrived with
    ledger.release("r0");
    AcquireRequest retry = AcquireRequest.arrival("r0-retry", "member-a", "m", 5,
        List.of(new AcquireRequest.Candidate(other, 2)), Strategy.LEAST_LOADED, 0, 100, 100)
        .withArrivalSeq(first.seq());
    AcquireResult queued = ledger.acquire(retry);
    assertThat(queued.outcome()).isEqualTo(Outcome.QUEUED);
    assertThat(queued.position()).isZero();
    assertThat(queued.seq()).isZero();

    // (an acquire repeated for a held lease answers where it runs)
    String holder = Stream.of("r1", "r2", "r3")
        .filter(r -> ledger.acquire(req(r, "member-a", 5)).backendId().equals(other)).findFirst().orElseThrow();
    ReleaseResult freed = ledger.release(holder);
    assertThat(freed.grants()).extracting(Grant::ticketId).containsExactly("r0-retry");
  }

  @Test
  void aRequestThatMayNotWaitTakesNoSlotWhileOthersWait() {
    ledger.acquire(req("a1", "member-a", 5, A));
    ledger.acquire(req("a2", "member-a", 5, A));
    assertThat(ledger.acquire(req("waits-for-a", "member-a", 5, A)).outcome()).isEqualTo(Outcome.QUEUED);
    AcquireRequest hedge = AcquireRequest.arrival("hedge", "member-a", "m", 5,
        List.of(new AcquireRequest.Candidate(B, 2)), Strategy.LEAST_LOADED, 0, 0, 100);
    assertThat(ledger.acquire(hedge).outcome()).isEqualTo(Outcome.QUEUE_FULL);

    ledger.cancel("waits-for-a");
    AcquireRequest again = AcquireRequest.arrival("hedge-2", "member-a", "m", 5,
        List.of(new AcquireRequest.Candidate(B, 2)), Strategy.LEAST_LOADED, 0, 0, 100);
    assertThat(ledger.acquire(again).outcome()).isEqualTo(Outcome.GRANTED);
  }

  AcquireRequest otherModel(String id, String warmOn) {
    return AcquireRequest.arrival(id, "member-a", "other", 5, List.of(new AcquireRequest.Candidate(warmOn, 2)),
        Strategy.LEAST_LOADED, 0, 100, 100);
  }

  AcquireRequest coldOn(String id, String coldBackend) {
    List<AcquireRequest.Candidate> c = List.of(new AcquireRequest.Candidate(A, 2, !coldBackend.equals(A)),
        new AcquireRequest.Candidate(B, 2, !coldBackend.equals(B)));
    return AcquireRequest.arrival(id, "member-a", "m", 5, c, Strategy.LEAST_LOADED, n++, 100, 100)
        .withColdCap(1);
  }

  @Test
  void aBackendWithTheModelLoadedIsPreferredOverAnEquallyFreeOneWithout() {
    for (int i = 0; i < 2; i++) {
      assertThat(ledger.acquire(coldOn("w" + i, A)).backendId()).isEqualTo(B);
    }
  }

  @Test
  void onlyOneRequestAtATimeLoadsAModelOnABackendTheRestWaitForItsLoadOrAWarmSlot() {
    AcquireRequest onlyA = AcquireRequest.arrival("load-1", "member-a", "m", 5,
        List.of(new AcquireRequest.Candidate(A, 2, false)), Strategy.LEAST_LOADED, 0, 100, 100)
        .withColdCap(1);
    AcquireRequest alsoOnlyA = AcquireRequest.arrival("load-2", "member-a", "m", 5,
        List.of(new AcquireRequest.Candidate(A, 2, false)), Strategy.LEAST_LOADED, 0, 100, 100)
        .withColdCap(1);
    assertThat(ledger.acquire(onlyA).outcome()).isEqualTo(Outcome.GRANTED);
    // A still has a free slot, but a second cold load there would thrash: it waits
    assertThat(ledger.acquire(alsoOnlyA).outcome()).isEqualTo(Outcome.QUEUED);
    // a request for another model, loaded on A, may still use that free slot
    assertThat(ledger.acquire(otherModel("warm-on-a", A)).outcome()).isEqualTo(Outcome.GRANTED);
    ledger.release("warm-on-a");
    assertThat(ledger.snapshot().queueDepth()).isEqualTo(1);

    // the load finishes: the waiting request gets its turn
    ReleaseResult loaded = ledger.release("load-1");
    assertThat(loaded.grants()).extracting(Grant::ticketId).containsExactly("load-2");
  }

  /** The model is loaded on B only; the request holds out for a warm slot. */
  AcquireRequest waitsForWarm(String id) {
    List<AcquireRequest.Candidate> c = List.of(new AcquireRequest.Candidate(A, 2, false),
        new AcquireRequest.Candidate(B, 2, true));
    return AcquireRequest.arrival(id, "member-a", "m", 5, c, Strategy.LEAST_LOADED, n++, 100, 100)
        .withColdCap(1).waitingForWarm(true);
  }

  @Test
  void aRequestHoldingOutForAWarmSlotWaitsWhileTheColdBackendIsFreeAndGetsTheNextWarmSlot() {
    assertThat(ledger.acquire(waitsForWarm("w0")).backendId()).isEqualTo(B);
    assertThat(ledger.acquire(waitsForWarm("w1")).backendId()).isEqualTo(B);
    AcquireResult third = ledger.acquire(waitsForWarm("w2"));
    assertThat(third.outcome()).as("A is free but cold: no model load while B may free soon")
        .isEqualTo(Outcome.QUEUED);
    assertThat(ledger.snapshot().backends()).filteredOn(b -> b.backendId().equals(A))
        .allSatisfy(b -> assertThat(b.inFlight()).isZero());
    // a request for another model, loaded on A, is not held up by it
    assertThat(ledger.acquire(otherModel("warm-on-a", A)).backendId()).isEqualTo(A);

    assertThat(ledger.release("w0").grants()).extracting(Grant::ticketId, Grant::backendId)
        .containsExactly(tuple("w2", B));
  }

  @Test
  void onceAllowedColdTheWaitingRequestLoadsTheModelOnAFreeColdBackend() {
    ledger.acquire(waitsForWarm("w0"));
    ledger.acquire(waitsForWarm("w1"));
    ledger.acquire(waitsForWarm("w2"));

    ReleaseResult allowed = ledger.allowCold("w2");
    assertThat(allowed.outcome()).isEqualTo(ReleaseResult.Outcome.COLD_ALLOWED);
    assertThat(allowed.grants()).extracting(Grant::ticketId, Grant::backendId)
        .containsExactly(tuple("w2", A));
    assertThat(ledger.allowCold("w2").outcome()).as("idempotent: the ticket runs now")
        .isEqualTo(ReleaseResult.Outcome.WAS_GRANTED);
    assertThat(ledger.allowCold("never-queued").outcome()).isEqualTo(ReleaseResult.Outcome.UNKNOWN);
  }

  @Test
  void aTicketAllowedColdEarlyDoesNotOvertakeAnEarlierOneForTheSameModel() {
    ledger.acquire(waitsForWarm("w0"));
    ledger.acquire(waitsForWarm("w1"));
    ledger.acquire(waitsForWarm("w2"));
    ledger.acquire(waitsForWarm("w3"));
    // w3's member learned a shorter load time and stops holding out first: w2 has waited longer and goes first
    // (one cold load at a time on A, so w3 waits for that load)
    assertThat(ledger.allowCold("w3").grants()).extracting(Grant::ticketId, Grant::backendId)
        .containsExactly(tuple("w2", A));
  }

  @Test
  void aLaterRequestThatFindsTheModelLoadedOnTheFreeBackendLetsTheWaitingTicketThereFirst() {
    ledger.acquire(waitsForWarm("w0"));
    ledger.acquire(waitsForWarm("w1"));
    ledger.acquire(waitsForWarm("w2"));
    // meanwhile the model got loaded on A, and a new request's member already knows it
    AcquireRequest bothWarm = AcquireRequest.arrival("late", "member-b", "m", 5,
        List.of(new AcquireRequest.Candidate(A, 2, true), new AcquireRequest.Candidate(B, 2, true)),
        Strategy.LEAST_LOADED, 0, 100, 100).withColdCap(1).waitingForWarm(true);
    List<Grant> others = new ArrayList<>();
    AcquireResult late = ledger.acquire(bothWarm, others);

    assertThat(others).extracting(Grant::ticketId, Grant::backendId).containsExactly(tuple("w2", A));
    assertThat(late.backendId()).as("A's second slot, after w2 took the first").isEqualTo(A);
  }

  @Test
  void aWaitingTicketReSentWithoutHoldingOutTakesAColdSlotAtOnce() {
    ledger.acquire(waitsForWarm("w0"));
    ledger.acquire(waitsForWarm("w1"));
    AcquireRequest waiting = waitsForWarm("w2");
    assertThat(ledger.acquire(waiting).outcome()).isEqualTo(Outcome.QUEUED);

    AcquireResult again = ledger.acquire(waiting.withColdAllowed());
    assertThat(again.outcome()).isEqualTo(Outcome.GRANTED);
    assertThat(again.backendId()).isEqualTo(A);
  }

  @Test
  void withTheModelLoadedNowhereHoldingOutGainsNothingAndTheColdSlotIsUsedAtOnce() {
    AcquireRequest loadedNowhere = AcquireRequest.arrival("c0", "member-a", "m", 5,
        List.of(new AcquireRequest.Candidate(A, 2, false), new AcquireRequest.Candidate(B, 2, false)),
        Strategy.LEAST_LOADED, 0, 100, 100).withColdCap(1).waitingForWarm(true);
    assertThat(ledger.acquire(loadedNowhere).outcome()).isEqualTo(Outcome.GRANTED);
  }

  @Test
  void aLeaderThatWasReplacedCannotPurgeOrResizeAnyMore() {
    long first = ledger.claimLeadership("old-leader");
    assertThat(ledger.claimLeadership("old-leader")).as("claiming again keeps the term").isEqualTo(first);
    acquire("r0");
    long second = ledger.claimLeadership("new-leader");
    assertThat(second).isGreaterThan(first);

    LeaderTerm stale = new LeaderTerm("old-leader", first);
    assertThat(ledger.holds(stale)).isFalse();
    assertThat(ledger.holds(new LeaderTerm("new-leader", second))).isTrue();
    // the old leader resumes and acts on what it last saw: the ledger does not let it
    assertThat(new LedgerOps.PurgeMember("member-a", stale).apply(ledger).outcome())
        .isEqualTo(ReleaseResult.Outcome.FENCED);
    assertThat(new LedgerOps.SetCapacity(A, 0, 0, false, stale).apply(ledger).outcome())
        .isEqualTo(ReleaseResult.Outcome.FENCED);
    assertThat(ledger.snapshot().backends()).allSatisfy(b -> assertThat(b.available()).isTrue());
    assertThat(ledger.snapshot().leasesByMember()).containsEntry("member-a", 1);

    // the current leader's actions go through, and a member declared dead may not claim at all
    assertThat(new LedgerOps.PurgeMember("member-a", new LeaderTerm("new-leader", second)).apply(ledger)
        .outcome()).isNotEqualTo(ReleaseResult.Outcome.FENCED);
    assertThat(ledger.claimLeadership("member-a")).isEqualTo(-1);
  }

  @Test
  void leastLoadedSpreadsAcrossBackends() {
    String first = acquire("r0").backendId();
    String second = acquire("r1").backendId();
    assertThat(first).isNotEqualTo(second);
  }

  @Test
  void aFreedSlotGoesToTheEarliestWaitingTicketWhicheverMemberHoldsIt() {
    for (int i = 0; i < 4; i++) {
      acquire("r" + i);
    }
    ledger.acquire(req("b1", "member-b", 5));
    ledger.acquire(req("c1", "member-c", 5));
    ReleaseResult r = ledger.release("r0");
    assertThat(r.outcome()).isEqualTo(ReleaseResult.Outcome.RELEASED);
    assertThat(r.grants()).singleElement().satisfies(g -> {
      assertThat(g.ticketId()).isEqualTo("b1");
      assertThat(g.memberId()).isEqualTo("member-b");
    });
    assertThat(ledger.release("r1").grants()).extracting(Grant::ticketId).containsExactly("c1");
  }

  @Test
  void higherPriorityIsServedFirstButAgingBoundsHowFarItJumps() {
    for (int i = 0; i < 4; i++) {
      acquire("r" + i);
    }
    ledger.acquire(req("low", "member-a", 5));
    ledger.acquire(req("urgent", "member-a", 10));
    assertThat(ledger.release("r0").grants()).extracting(Grant::ticketId).containsExactly("urgent");

    // with an aging credit of 2, priority 6 ranks like an arrival 2 places earlier: it passes p5b but not p5a
    // (a tie goes to the earlier arrival)
    PoolLedger aged = new PoolLedger();
    aged.setCapacity(A, 1, true);
    AcquireRequest.Candidate ca = new AcquireRequest.Candidate(A, 1);
    aged.acquire(AcquireRequest.arrival("busy", "m", "x", 5, List.of(ca), Strategy.LEAST_LOADED, 0, 100, 2));
    aged.acquire(AcquireRequest.arrival("p5a", "m", "x", 5, List.of(ca), Strategy.LEAST_LOADED, 0, 100, 2));
    aged.acquire(AcquireRequest.arrival("p5b", "m", "x", 5, List.of(ca), Strategy.LEAST_LOADED, 0, 100, 2));
    aged.acquire(AcquireRequest.arrival("p6", "m", "x", 6, List.of(ca), Strategy.LEAST_LOADED, 0, 100, 2));
    List<String> order = new ArrayList<>();
    String current = "busy";
    for (int i = 0; i < 3; i++) {
      current = aged.release(current).grants().get(0).ticketId();
      order.add(current);
    }
    assertThat(order).containsExactly("p5a", "p6", "p5b");
  }

  @Test
  void aNewRequestNeverOvertakesWaitingOnesForTheSameBackends() {
    for (int i = 0; i < 4; i++) {
      acquire("r" + i);
    }
    acquire("w1");
    ledger.release("r0");
    // the freed slot went to w1, so a newcomer finds no free slot and queues
    assertThat(acquire("late").outcome()).isEqualTo(Outcome.QUEUED);
  }

  @Test
  void aRequestForOtherBackendsIsNotHeldUpByTicketsThatCannotUseThem() {
    ledger.acquire(req("a1", "m", 5, A));
    ledger.acquire(req("a2", "m", 5, A));
    assertThat(ledger.acquire(req("a3", "m", 5, A)).outcome()).isEqualTo(Outcome.QUEUED);
    assertThat(ledger.acquire(req("b1", "m", 5, B)).outcome()).isEqualTo(Outcome.GRANTED);
  }

  @Test
  void retriedOperationsChangeNothingTheSecondTime() {
    AcquireResult first = acquire("r0");
    AcquireResult again = acquire("r0");
    assertThat(again).isEqualTo(first);
    assertThat(ledger.snapshot().backends().stream().mapToInt(LedgerSnapshot.BackendLoad::inFlight).sum()).isOne();
    for (int i = 1; i < 4; i++) {
      acquire("r" + i);
    }
    acquire("w");
    assertThat(acquire("w").outcome()).isEqualTo(Outcome.QUEUED);
    assertThat(ledger.snapshot().queueDepth()).isOne();

    assertThat(ledger.release("r0").grants()).hasSize(1);
    ReleaseResult twice = ledger.release("r0");
    assertThat(twice.outcome()).isEqualTo(ReleaseResult.Outcome.UNKNOWN);
    assertThat(twice.grants()).isEmpty();
    assertThat(acquire("r0").outcome()).isEqualTo(Outcome.ALREADY_ENDED);
  }

  @Test
  void cancelTakesAWaitingTicketOutAndReportsOneAlreadyGranted() {
    for (int i = 0; i < 4; i++) {
      acquire("r" + i);
    }
    acquire("w1");
    acquire("w2");
    assertThat(ledger.cancel("w1").outcome()).isEqualTo(ReleaseResult.Outcome.CANCELLED);
    assertThat(ledger.release("r0").grants()).extracting(Grant::ticketId).containsExactly("w2");
    assertThat(ledger.cancel("w2").outcome()).isEqualTo(ReleaseResult.Outcome.WAS_GRANTED);
    assertThat(ledger.cancel("nobody").outcome()).isEqualTo(ReleaseResult.Outcome.UNKNOWN);
  }

  @Test
  void theQueueIsBounded() {
    for (int i = 0; i < 4; i++) {
      acquire("r" + i);
    }
    List<AcquireRequest.Candidate> c = List.of(new AcquireRequest.Candidate(A, 2));
    assertThat(ledger.acquire(AcquireRequest.arrival("q1", "m", "m", 5, c, Strategy.RANDOM, 1, 1, 0)).outcome())
        .isEqualTo(Outcome.QUEUED);
    assertThat(ledger.acquire(AcquireRequest.arrival("q2", "m", "m", 5, c, Strategy.RANDOM, 1, 1, 0)).outcome())
        .isEqualTo(Outcome.QUEUE_FULL);
  }

  @Test
  void aDepartedMembersLeasesAreFreedItsTicketsDroppedAndItsLateOperationsRefused() {
    ledger.acquire(req("x1", "dead", 5));
    ledger.acquire(req("x2", "dead", 5));
    ledger.acquire(req("a1", "alive", 5));
    ledger.acquire(req("a2", "alive", 5));
    ledger.acquire(req("x3", "dead", 5));
    ledger.acquire(req("a3", "alive", 5));
    List<Grant> grants = ledger.purgeMember("dead");
    assertThat(grants).extracting(Grant::ticketId).containsExactly("a3");
    assertThat(ledger.holdingsOf("dead")).isEqualTo(new MemberHoldings(List.of(), List.of()));
    assertThat(ledger.snapshot().queueDepth()).isZero();
    assertThat(ledger.acquire(req("x4", "dead", 5)).outcome()).isEqualTo(Outcome.MEMBER_DEAD);
    assertThat(ledger.purgeMember("dead")).isEmpty();
  }

  @Test
  void moreCapacityIsHandedToWaitingTicketsAtOnceAndAnUnavailableBackendGetsNothing() {
    for (int i = 0; i < 4; i++) {
      acquire("r" + i);
    }
    acquire("w1");
    acquire("w2");
    assertThat(ledger.setCapacity(A, 3, true)).extracting(Grant::ticketId).containsExactly("w1");
    ledger.setCapacity(B, 2, false);
    assertThat(ledger.release("r1").grants()).isEmpty();
  }

  @Test
  void aSerializedCopyDecidesExactlyLikeTheOriginal() {
    for (int i = 0; i < 6; i++) {
      ledger.acquire(req("r" + i, "m" + (i % 2), 1 + i));
    }
    ledger.acquire(coldOn("cold-1", A));
    ledger.acquire(waitsForWarm("warm-only"));
    ledger.setCapacity(B, 2, 1, true);
    ledger.claimLeadership("leader-1");
    InternalSerializationService ss = new DefaultSerializationServiceBuilder()
        .addDataSerializableFactory(LedgerSerialization.FACTORY_ID, new LedgerSerialization()).build();
    PoolLedger copy = ss.toObject(ss.toData(ledger));
    assertThat(copy.snapshot()).isEqualTo(ledger.snapshot());
    assertThat(copy.leaderTerm()).isEqualTo(ledger.leaderTerm());
    for (String id : List.of("r0", "r1", "r2")) {
      assertThat(copy.release(id)).isEqualTo(ledger.release(id));
    }
    assertThat(copy.acquire(req("n", "m0", 5))).isEqualTo(ledger.acquire(req("n", "m0", 5)));
  }

  @Test
  void leasesReassertedAfterAMergeCountAgainAndNothingIsGrantedOverThem() {
    acquire("r0");
    acquire("r1");
    ledger.purgeMember("member-a");
    // the member merged back under a new id; its two requests still run on their backends
    List<Grant> held = List.of(new Grant("r0", "member-a2", A), new Grant("r1", "member-a2", A));
    assertThat(ledger.reassert("member-a2", held)).isEqualTo(2);
    assertThat(ledger.reassert("member-a2", held)).isZero();
    assertThat(ledger.snapshot().inFlight(A)).isEqualTo(2);
    assertThat(ledger.acquire(req("n1", "member-b", 5, A)).outcome()).isEqualTo(Outcome.QUEUED);
    assertThat(ledger.release("r0").grants()).extracting(Grant::ticketId).containsExactly("n1");
    assertThat(ledger.reassert("member-a", held)).isZero();
  }

  AcquireRequest forModel(String id, String model, String... backends) {
    List<AcquireRequest.Candidate> c = new ArrayList<>();
    for (String b : backends.length == 0 ? new String[] {A} : backends) {
      c.add(new AcquireRequest.Candidate(b, 4));
    }
    return AcquireRequest.arrival(id, "member-a", model, 5, c, Strategy.LEAST_LOADED, n++, 100, 100);
  }

  @Test
  void aModelHoldsNoMoreThanTheBackendsPerModelSlotsAndTheOtherSlotsStayFreeForOtherModels() {
    // an Ollama with OLLAMA_NUM_PARALLEL=2 and room for two models: 4 slots, 2 per model
    ledger.setCapacity(A, 4, 2, true);
    assertThat(ledger.acquire(forModel("l1", "llama3")).outcome()).isEqualTo(Outcome.GRANTED);
    assertThat(ledger.acquire(forModel("l2", "llama3")).outcome()).isEqualTo(Outcome.GRANTED);
    assertThat(ledger.acquire(forModel("l3", "llama3")).outcome()).isEqualTo(Outcome.QUEUED);

    // the waiting llama3 request does not hold up another model, which finds free slots it may use
    assertThat(ledger.acquire(forModel("q1", "qwen")).outcome()).isEqualTo(Outcome.GRANTED);
    assertThat(ledger.acquire(forModel("q2", "qwen")).outcome()).isEqualTo(Outcome.GRANTED);
    assertThat(ledger.snapshot().backends()).filteredOn(b -> b.backendId().equals(A)).singleElement()
        .satisfies(b -> {
          assertThat(b.inFlight()).isEqualTo(4);
          assertThat(b.modelSlots()).isEqualTo(2);
          assertThat(b.inFlightByModel()).containsEntry("llama3", 2).containsEntry("qwen", 2);
        });

    // a qwen slot that frees is not one llama3 may take (still 2 llama3 leases) ...
    assertThat(ledger.release("q1").grants()).isEmpty();
    // ... a llama3 one is, and it goes to the waiting llama3 request
    assertThat(ledger.release("l1").grants()).extracting(Grant::ticketId).containsExactly("l3");
  }

  @Test
  void aTicketWhoseModelIsAtItsLimitIsPassedOverForALaterOneOfAnotherModelThatCanUseTheFreeSlot() {
    ledger.setCapacity(A, 3, 1, true);
    ledger.acquire(forModel("l1", "llama3"));
    ledger.acquire(forModel("q1", "qwen"));
    ledger.acquire(forModel("m1", "mistral"));
    assertThat(ledger.acquire(forModel("l2", "llama3")).outcome()).isEqualTo(Outcome.QUEUED);
    assertThat(ledger.acquire(forModel("q2", "qwen")).outcome()).isEqualTo(Outcome.QUEUED);

    // mistral's slot frees: neither llama3 nor qwen may take it while each already runs one
    assertThat(ledger.release("m1").grants()).isEmpty();
    assertThat(ledger.snapshot().queueDepth()).isEqualTo(2);
    // qwen's frees: the earlier llama3 ticket still cannot use it (its model is at its limit), qwen's can
    assertThat(ledger.release("q1").grants()).extracting(Grant::ticketId).containsExactly("q2");
    assertThat(ledger.release("l1").grants()).extracting(Grant::ticketId).containsExactly("l2");
  }

  @Test
  void aModelAtItsLimitOnOneBackendGoesToAnotherAndWithoutAPerModelLimitAnyModelTakesAnySlot() {
    ledger.setCapacity(A, 2, 1, true);
    ledger.setCapacity(B, 2, true);
    assertThat(ledger.acquire(forModel("l1", "llama3", A)).backendId()).isEqualTo(A);
    assertThat(ledger.acquire(forModel("l2", "llama3", A, B)).backendId()).isEqualTo(B);
    assertThat(ledger.acquire(forModel("l3", "llama3", A, B)).backendId()).isEqualTo(B);
    assertThat(ledger.acquire(forModel("l4", "llama3", A, B)).outcome()).isEqualTo(Outcome.QUEUED);
    // a request that names no model is not held to a per-model limit
    assertThat(ledger.acquire(forModel("x", "", A)).backendId()).isEqualTo(A);
  }

  @Test
  void aLeaseReassertedWithItsModelCountsAgainstThatModelsLimit() {
    ledger.setCapacity(A, 3, 1, true);
    ledger.acquire(forModel("l1", "llama3").forMember("member-x"));
    ledger.purgeMember("member-x");
    // member-x merged back as member-x2; its llama3 request still runs
    assertThat(ledger.reassert("member-x2", List.of(new Grant("l1", "member-x2", A)), List.of("llama3")))
        .isEqualTo(1);
    assertThat(ledger.acquire(forModel("l2", "llama3")).outcome()).isEqualTo(Outcome.QUEUED);
    assertThat(ledger.acquire(forModel("q1", "qwen")).outcome()).isEqualTo(Outcome.GRANTED);
  }

  @Test
  void aWaitingRequestPurgedOnTheOtherSideOfASplitIsQueuedAgainWhenItsMemberRejoinsButAPlainRetryStaysEnded() {
    ledger.setCapacity(A, 1, true);
    assertThat(ledger.acquire(forModel("l1", "llama3").forMember("member-y")).outcome())
        .isEqualTo(Outcome.GRANTED);
    AcquireRequest w = forModel("w1", "llama3");
    assertThat(ledger.acquire(w).outcome()).isEqualTo(Outcome.QUEUED);
    // the majority side declared member-a gone while the request still waited there
    ledger.purgeMember("member-a");

    AcquireRequest plainRetry = AcquireRequest.arrival(w.ticketId(), "member-a2", w.model(), w.priority(),
        w.candidates(), w.strategy(), w.randomDraw(), w.maxDepth(), w.agingCredit()).withArrivalSeq(w.arrivalSeq())
        .withColdCap(w.coldCap()).notifyingAt(w.notifyTo()).waitingForWarm(w.waitForWarm());
    assertThat(ledger.acquire(plainRetry).outcome()).isEqualTo(Outcome.ALREADY_ENDED);

    // member-a merged back as member-a2 and re-queues what it still holds
    assertThat(ledger.acquire(w.forMember("member-a2")).outcome()).isEqualTo(Outcome.QUEUED);
    assertThat(ledger.acquire(w.forMember("member-a2")).outcome()).isEqualTo(Outcome.QUEUED);
    assertThat(ledger.release("l1").grants()).containsExactly(new Grant("w1", "member-a2", A));
  }

  @Test
  void aCancelThatOvertakesItsAcquireKeepsTheLateAcquireFromQueueingAGoneRequest() {
    ledger.setCapacity(A, 1, true);
    ledger.acquire(forModel("l1", "llama3"));
    assertThat(ledger.cancel("w1").outcome()).isEqualTo(ReleaseResult.Outcome.UNKNOWN);
    assertThat(ledger.acquire(forModel("w1", "llama3")).outcome()).isEqualTo(Outcome.ALREADY_ENDED);
    assertThat(ledger.release("l1").grants()).isEmpty();
  }

  AcquireRequest turn(String id, String conversation, boolean continues, String... backends) {
    return req(id, "member-a", 5, backends).inConversation(new Conversation(conversation, continues));
  }

  @Test
  void aConversationGoesBackToTheBackendOfItsLastTurnWhileThatHasAFreeSlot() {
    String first = ledger.acquire(turn("t1", "chat-1", false)).backendId();
    String other = first.equals(A) ? B : A;
    ledger.release("t1");
    // least-loaded alone would now pick the other backend
    ledger.acquire(req("o1", "member-b", 5, first));
    assertThat(ledger.acquire(turn("t2", "chat-1", true)).backendId()).isEqualTo(first);
    // a request of no conversation, or a first turn, is placed by the strategy alone
    assertThat(ledger.acquire(turn("x1", "chat-2", false)).backendId()).isEqualTo(other);
  }

  @Test
  void whenItsBackendIsFullTheConversationMovesAndIsRememberedWhereItRanNext() {
    ledger.acquire(turn("t1", "chat-1", false, A));
    ledger.release("t1");
    ledger.acquire(req("f1", "member-b", 5, A));
    ledger.acquire(req("f2", "member-b", 5, A));
    assertThat(ledger.acquire(turn("t2", "chat-1", true)).backendId()).isEqualTo(B);
    ledger.release("t2");
    ledger.release("f1");
    ledger.acquire(req("o1", "member-b", 5, B));
    assertThat(ledger.acquire(turn("t3", "chat-1", true)).backendId()).isEqualTo(B);
  }

  @Test
  void aWarmBackendBeatsTheConversationsBackendWhereItsModelWasUnloaded() {
    ledger.acquire(turn("t1", "chat-1", false, A));
    ledger.release("t1");
    AcquireRequest coldOnA = AcquireRequest.arrival("t2", "member-a", "m", 5,
        List.of(new AcquireRequest.Candidate(A, 2, false), new AcquireRequest.Candidate(B, 2, true)),
        Strategy.LEAST_LOADED, n++, 100, 100).inConversation(new Conversation("chat-1", true));
    assertThat(ledger.acquire(coldOnA).backendId()).isEqualTo(B);
  }

  @Test
  void aQueuedTurnTakesItsConversationsBackendWhenSeveralFreeUpAndIsRemembered() {
    for (String id : List.of("a1", "a2")) {
      ledger.acquire(req(id, "member-b", 5, A));
    }
    for (String id : List.of("b1", "b2")) {
      ledger.acquire(req(id, "member-b", 5, B));
    }
    assertThat(ledger.acquire(turn("t1", "chat-1", false)).outcome()).isEqualTo(Outcome.QUEUED);
    assertThat(ledger.release("b1").grants()).containsExactly(new Grant("t1", "member-a", B));
    ledger.release("t1");
    ledger.release("a1");
    // A is now the less loaded, but the conversation's prompt is cached on B
    assertThat(ledger.acquire(turn("t2", "chat-1", true)).backendId()).isEqualTo(B);
  }

  @Test
  void conversationsAreBoundedDroppingTheLeastRecentlyUsedAndSurviveSerialization() {
    ledger.acquire(turn("keep", "chat-keep", false, B));
    ledger.release("keep");
    for (int i = 0; i < PoolLedger.MAX_CONVERSATIONS; i++) {
      ledger.acquire(turn("c" + i, "chat-" + i, false, A));
      ledger.release("c" + i);
      if (i == PoolLedger.MAX_CONVERSATIONS / 2) {
        ledger.acquire(turn("touch", "chat-keep", true, A, B)); // used again: no longer the eldest
        ledger.release("touch");
      }
    }
    InternalSerializationService ss = new DefaultSerializationServiceBuilder()
        .addDataSerializableFactory(LedgerSerialization.FACTORY_ID, new LedgerSerialization()).build();
    PoolLedger copy = ss.toObject(ss.toData(ledger));
    for (PoolLedger l : List.of(ledger, copy)) {
      l.acquire(req("busy-b", "member-b", 5, B)); // least-loaded alone would pick A
      assertThat(l.acquire(turn("k", "chat-keep", true)).backendId()).isEqualTo(B);
      l.release("k");
      l.release("busy-b");
      l.acquire(req("busy-a", "member-b", 5, A)); // least-loaded alone picks B; chat-0 last ran on A
      assertThat(l.acquire(turn("z", "chat-0", true)).backendId())
          .as("chat-0 was the least recently used and was dropped").isEqualTo(B);
    }
  }

  @Test
  void aRejoiningMemberCannotReviveATicketItCancelledItselfBeforeOrAfterThePurge() {
    ledger.setCapacity(A, 1, true);
    ledger.acquire(forModel("l1", "llama3").forMember("member-y"));
    AcquireRequest gone = forModel("w1", "llama3");
    ledger.acquire(gone);
    ledger.cancel("w1");
    assertThat(ledger.acquire(gone.forMember("member-a2")).outcome()).isEqualTo(Outcome.ALREADY_ENDED);

    AcquireRequest w = forModel("w2", "llama3");
    ledger.acquire(w);
    ledger.purgeMember("member-a");
    ledger.cancel("w2"); // its client left after the merge, before the re-queue reached the ledger
    assertThat(ledger.acquire(w.forMember("member-a2")).outcome()).isEqualTo(Outcome.ALREADY_ENDED);
    assertThat(ledger.release("l1").grants()).isEmpty();
  }

  // ---- a ledger made again after its entry was lost ----

  private static PoolLedger rebuildingWithTwoBackends() {
    PoolLedger l = PoolLedger.rebuilding("inc-2", 1_000);
    l.setCapacity(A, 2, true);
    l.setCapacity(B, 2, true);
    return l;
  }

  @Test
  void aLedgerMadeAgainGrantsNothingUntilEveryMemberItHearsOfHasReasserted() {
    ledger = rebuildingWithTwoBackends();
    assertThat(ledger.granting()).isFalse();
    // a new request while rebuilding waits, even though the ledger knows of no lease yet
    assertThat(ledger.acquire(req("new-1", "member-b", 5)).outcome()).isEqualTo(Outcome.QUEUED);
    // member a puts back its three running requests and sees a and b in the cluster
    List<Grant> held = List.of(new Grant("run-1", "member-a", A), new Grant("run-2", "member-a", A),
        new Grant("run-3", "member-a", B));
    assertThat(ledger.reassert("member-a", held)).isEqualTo(3);
    assertThat(ledger.reasserted("member-a", List.of("member-a", "member-b"))).isEmpty();
    assertThat(ledger.granting()).isFalse();
    assertThat(ledger.holdingsOf("member-b").awaitingYou()).isTrue();
    assertThat(ledger.holdingsOf("member-a").awaitingYou()).isFalse();
    // member b has nothing running; once it says so, the one free slot (on B) goes to the waiting request
    assertThat(ledger.reassert("member-b", List.of())).isZero();
    assertThat(ledger.reasserted("member-b", List.of("member-a", "member-b")))
        .containsExactly(new Grant("new-1", "member-b", B));
    assertThat(ledger.granting()).isTrue();
    assertThat(ledger.snapshot().backends()).allSatisfy(b -> assertThat(b.inFlight()).isEqualTo(2));
    assertThat(ledger.snapshot().rebuilding()).isFalse();
    assertThat(ledger.snapshot().incarnation()).isEqualTo("inc-2");
  }

  @Test
  void aRebuildEndsWhenItsWaitIsOverOnTheCallersClockEvenIfAMemberNeverReasserts() {
    ledger = rebuildingWithTwoBackends();
    assertThat(ledger.acquire(req("new-1", "member-b", 5)).outcome()).isEqualTo(Outcome.QUEUED);
    ledger.reassert("member-a", List.of());
    assertThat(ledger.reasserted("member-a", List.of("member-a", "member-gone"))).isEmpty();
    assertThat(ledger.tick(1_000 + LedgerIncarnation.REBUILD_WAIT.toMillis() - 1)).isEmpty();
    assertThat(ledger.granting()).isFalse();
    assertThat(ledger.tick(1_000 + LedgerIncarnation.REBUILD_WAIT.toMillis())).hasSize(1);
    assertThat(ledger.granting()).isTrue();
    // a founded ledger grants at once and a tick changes nothing
    PoolLedger founded = PoolLedger.founded("inc-1");
    assertThat(founded.granting()).isTrue();
    assertThat(founded.tick(5)).isEmpty();
  }

  @Test
  void aRequestThatMayNotQueueIsRefusedWhileTheLedgerIsRebuilt() {
    ledger = rebuildingWithTwoBackends();
    AcquireRequest hedge = AcquireRequest.arrival("hedge", "member-a", "m", 5,
        List.of(new AcquireRequest.Candidate(A, 2)), Strategy.LEAST_LOADED, 0, 0, 100);
    AcquireResult r = ledger.acquire(hedge);
    assertThat(r.outcome()).isEqualTo(Outcome.QUEUE_FULL);
    assertThat(r.reason()).contains("rebuilt");
  }

  @Test
  void theIncarnationAndItsRebuildSurviveSerialization() {
    ledger = rebuildingWithTwoBackends();
    ledger.reassert("member-a", List.of(new Grant("run-1", "member-a", A)));
    ledger.reasserted("member-a", List.of("member-a", "member-b"));
    InternalSerializationService ss = new DefaultSerializationServiceBuilder()
        .addDataSerializableFactory(LedgerSerialization.FACTORY_ID, new LedgerSerialization()).build();
    PoolLedger copy = ss.toObject(ss.toData(ledger));
    assertThat(copy.snapshot()).isEqualTo(ledger.snapshot());
    assertThat(copy.holdingsOf("member-b")).isEqualTo(ledger.holdingsOf("member-b"));
    for (PoolLedger l : List.of(ledger, copy)) {
      assertThat(l.granting()).isFalse();
      l.reasserted("member-b", List.of("member-a", "member-b"));
      assertThat(l.granting()).isTrue();
    }
  }

  @Test
  void aMemberThatLeftIsNotAwaitedByARebuild() {
    ledger = rebuildingWithTwoBackends();
    ledger.acquire(req("new-1", "member-a", 5));
    ledger.reassert("member-a", List.of());
    assertThat(ledger.reasserted("member-a", List.of("member-a", "member-gone"))).isEmpty();
    // the leader purges the member that left: nobody else is awaited, the rebuild ends and the queue moves
    assertThat(ledger.purgeMember("member-gone")).containsExactly(new Grant("new-1", "member-a", A));
    assertThat(ledger.granting()).isTrue();
  }

  @Test
  void aReassertMovesALeaseToTheBackendItsHolderSaysItRunsOnAndFreesTheOther() {
    ledger.setCapacity(A, 1, true);
    ledger.setCapacity(B, 1, true);
    assertThat(ledger.acquire(req("run", "member-a", 5, A)).backendId()).isEqualTo(A);
    assertThat(ledger.acquire(req("waits", "member-b", 5, A)).outcome()).isEqualTo(Outcome.QUEUED);
    // "run" really runs on B (granted there by an earlier incarnation): the ledger moves it, A frees for "waits"
    assertThat(ledger.reassert("member-a", List.of(new Grant("run", "member-a", B)))).isOne();
    assertThat(ledger.dispatch()).containsExactly(new Grant("waits", "member-b", A));
    assertThat(ledger.snapshot().inFlight(A)).isOne();
    assertThat(ledger.snapshot().inFlight(B)).isOne();
    // a re-assert of where it already is changes nothing
    assertThat(ledger.reassert("member-a", List.of(new Grant("run", "member-a", B)))).isZero();
  }
}
