package io.corral.router.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.ClusterSettings;
import io.corral.cluster.CorralMember;
import io.corral.cluster.MemberIdentity;
import io.corral.cluster.backends.BackendHealth;
import io.corral.cluster.backends.BackendKind;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.ledger.AcquireRequest;
import io.corral.cluster.ledger.AcquireResult;
import io.corral.cluster.ledger.GrantNotifier;
import io.corral.cluster.ledger.MemberHoldings;
import io.corral.cluster.ledger.ReleaseResult;
import io.corral.cluster.ledger.SlotLedger;
import io.corral.cluster.ledger.Strategy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The member side of the ledger: grants are taken once, and only a request's own end frees its slot. */
class LedgerSelectorTest {

  static final String BE = "http://127.0.0.1:1";
  static CorralMember member;
  static Vertx vertx;
  static SlotLedger ledger;
  static GrantNotifier notifier;
  static LedgerSelector selector;

  @BeforeAll
  static void start() {
    // below the ephemeral range (32768+): a port in the join list that some HTTP server got by chance accepts
    // Hazelcast's connection and never answers, and the join then hangs (hazelcast/hazelcast#17115)
    int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
    member = CorralMember.start(ClusterSettings.forTests("t-" + UUID.randomUUID(), port,
        List.of("127.0.0.1:" + port)), new MemberIdentity("m", "http://127.0.0.1:9", 0));
    vertx = Vertx.vertx();
    ledger = new SlotLedger(member.hazelcast(), "pool-" + UUID.randomUUID());
    ledger.found(true).toCompletableFuture().join();
    notifier = GrantNotifier.of(member.hazelcast());
    // reconciliation is driven by hand here
    selector = new LedgerSelector(vertx, ledger, notifier, () -> member.localId().toString(),
        new QueueSettings(10, Duration.ofSeconds(30), 100, Strategy.LEAST_LOADED, Duration.ofHours(1)));
    selector.start();
    ledger.setCapacity(BE, 1, true).toCompletableFuture().join();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    member.terminate();
  }

  static int inFlight() {
    return ledger.snapshot().toCompletableFuture().join().inFlight(BE);
  }

  /** Another member's request takes the backend's one slot. */
  static void occupyTheOnlySlot(String leaseId) {
    AcquireResult blocker = ledger.acquire(AcquireRequest.arrival(leaseId, "someone-else", "m", 5,
        List.of(new AcquireRequest.Candidate(BE, 1)), Strategy.LEAST_LOADED, 0, 10, 100)).toCompletableFuture()
        .join();
    assertThat(blocker.outcome()).isEqualTo(AcquireResult.Outcome.GRANTED);
  }

  /** A request through this member that has to wait in the cluster-wide queue. */
  static Future<SlotLease> queueARequest(String requestId) {
    BackendState be = new BackendState(BE, BackendKind.OLLAMA, BackendHealth.UP, "", List.of("m:latest"),
        List.of(), 1, false, 0, "", "");
    Future<SlotLease> waiting = selector.acquire(new RouteRequest(requestId, "m:latest", List.of(be), 5,
        Strategy.LEAST_LOADED, Promise.<Void>promise().future()));
    await().atMost(Duration.ofSeconds(5)).until(() -> ledger.snapshot().toCompletableFuture().join()
        .queueDepth() == 1);
    return waiting;
  }

  @Test
  void aGrantSeenBothByNoticeAndByReconciliationIsTakenOnceAndItsSlotStaysHeld() throws Exception {
    // regression: the second sighting used to release the lease of the request that was running on it
    occupyTheOnlySlot("blocker");
    Future<SlotLease> waiting = queueARequest("r1");

    ReleaseResult freed = ledger.release("blocker").toCompletableFuture().join();
    assertThat(freed.grants()).hasSize(1);
    // the same grant arrives twice: through reconciliation and as a notice
    selector.reconcile();
    notifier.publish(freed.grants());
    SlotLease lease = waiting.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(lease.backend().id()).isEqualTo(BE);

    await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3)).until(() -> inFlight() == 1);
    selector.reconcile();
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() -> inFlight() == 1);

    lease.release();
    lease.release();
    await().atMost(Duration.ofSeconds(3)).until(() -> inFlight() == 0);
  }

  @Test
  void aReconciliationReadTakenBeforeATicketWasGrantedDoesNotCancelTheRunningRequest() throws Exception {
    // regression, found by the load benchmark: the grant notice overtook the reconciliation's read, the read still
    // listed the ticket as waiting, and "cancelling" it released the slot of a request that was already running
    occupyTheOnlySlot("blocker-2");
    Future<SlotLease> waiting = queueARequest("r2");
    MemberHoldings staleRead = ledger.holdingsOf(member.localId().toString()).toCompletableFuture().join();
    assertThat(staleRead.waiting()).hasSize(1);

    ledger.release("blocker-2").toCompletableFuture().join();
    SlotLease lease = waiting.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    selector.reconcileWith(staleRead);

    await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3)).until(() -> inFlight() == 1);
    lease.release();
    await().atMost(Duration.ofSeconds(3)).until(() -> inFlight() == 0);
  }
}
