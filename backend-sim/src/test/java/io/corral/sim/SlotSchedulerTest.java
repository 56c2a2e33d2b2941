package io.corral.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SlotSchedulerTest {

  private static Vertx vertx;
  private static Context context;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterAll
  static void closeVertx() {
    TestHttp.await(vertx.close());
  }

  /** Records grants in delivery order, under the name of the request. */
  private static final class Grants {
    final List<String> order = new CopyOnWriteArrayList<>();
    final List<SlotScheduler.SlotGrant> grants = new CopyOnWriteArrayList<>();

    SlotScheduler.Ticket request(SlotScheduler scheduler, String name) {
      return request(scheduler, name, "");
    }

    SlotScheduler.Ticket request(SlotScheduler scheduler, String name, String model) {
      return scheduler.request(context, model, grant -> {
        order.add(name);
        grants.add(grant);
      });
    }

    void awaitCount(int n) {
      await().atMost(Duration.ofSeconds(2)).until(() -> order.size() == n);
    }
  }

  @Test
  void grantsUpToTheSlotsAndQueuesTheRestInArrivalOrder() {
    SlotScheduler scheduler = new SlotScheduler(2);
    Grants grants = new Grants();

    for (String name : List.of("a", "b", "c", "d")) {
      grants.request(scheduler, name);
    }
    grants.awaitCount(2);
    assertThat(scheduler.stats()).isEqualTo(new SimStats(2, 2, 2, 4, 2, 0, 0));

    grants.grants.get(1).complete();
    grants.awaitCount(3);
    grants.grants.get(0).complete();
    grants.awaitCount(4);

    assertThat(grants.order).containsExactly("a", "b", "c", "d");
    assertThat(scheduler.stats().maxProcessing()).isEqualTo(2);
  }

  @Test
  void freedSlotIdIsReused() {
    SlotScheduler scheduler = new SlotScheduler(2);
    Grants grants = new Grants();
    grants.request(scheduler, "a");
    grants.request(scheduler, "b");
    grants.request(scheduler, "c");
    grants.awaitCount(2);

    grants.grants.get(0).complete();
    grants.awaitCount(3);

    assertThat(grants.grants.get(2).slotId()).isEqualTo(grants.grants.get(0).slotId());
    assertThat(scheduler.slotsProcessing()).containsExactly(true, true);
  }

  @Test
  void aSlotIsReleasedExactlyOnce() {
    SlotScheduler scheduler = new SlotScheduler(1);
    Grants grants = new Grants();
    grants.request(scheduler, "a");
    grants.awaitCount(1);
    SlotScheduler.SlotGrant grant = grants.grants.get(0);

    assertThat(grant.cancel()).isTrue();
    assertThat(grant.complete()).isFalse();
    assertThat(grant.cancel()).isFalse();
    assertThat(scheduler.stats()).isEqualTo(new SimStats(0, 0, 1, 1, 1, 0, 1));
  }

  @Test
  void aWaiterThatLeavesIsNeverGranted() {
    SlotScheduler scheduler = new SlotScheduler(1);
    Grants grants = new Grants();
    grants.request(scheduler, "a");
    SlotScheduler.Ticket b = grants.request(scheduler, "b");
    grants.request(scheduler, "c");
    grants.awaitCount(1);

    assertThat(scheduler.leave(b)).isTrue();
    grants.grants.get(0).complete();
    grants.awaitCount(2);

    assertThat(grants.order).containsExactly("a", "c");
    assertThat(scheduler.leave(b)).isFalse();
  }

  @Test
  void growingServesWaitersAtOnceAndShrinkingNeverInterrupts() {
    SlotScheduler scheduler = new SlotScheduler(1);
    Grants grants = new Grants();
    grants.request(scheduler, "a");
    grants.request(scheduler, "b");
    grants.request(scheduler, "c");
    grants.awaitCount(1);

    scheduler.setSlots(3);
    grants.awaitCount(3);
    scheduler.setSlots(1);

    assertThat(scheduler.stats().processing()).isEqualTo(3);
    grants.grants.get(0).complete();
    grants.request(scheduler, "d");
    assertThat(scheduler.stats().waiting()).as("still over the new capacity").isEqualTo(1);
    grants.grants.get(1).complete();
    grants.grants.get(2).complete();
    grants.awaitCount(4);
    assertThat(scheduler.stats().maxProcessing()).isEqualTo(3);
  }

  @Test
  void zeroSlotsHoldsEveryRequest() {
    SlotScheduler scheduler = new SlotScheduler(0);
    Grants grants = new Grants();
    grants.request(scheduler, "a");

    assertThat(scheduler.stats().waiting()).isEqualTo(1);
    scheduler.setSlots(1);
    grants.awaitCount(1);
    assertThatThrownBy(() -> scheduler.setSlots(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void resettingStatsKeepsLiveGauges() {
    SlotScheduler scheduler = new SlotScheduler(1);
    Grants grants = new Grants();
    grants.request(scheduler, "a");
    grants.request(scheduler, "b");
    grants.awaitCount(1);

    scheduler.resetStats();

    assertThat(scheduler.stats()).isEqualTo(new SimStats(1, 1, 1, 2, 0, 0, 0));
  }

  @Test
  void maxConcurrentCountsWaitingRequestsWhileMaxProcessingStaysAtTheSlots() {
    SlotScheduler scheduler = new SlotScheduler(1);
    Grants grants = new Grants();
    grants.request(scheduler, "a");
    SlotScheduler.Ticket b = grants.request(scheduler, "b");
    grants.request(scheduler, "c");
    grants.awaitCount(1);

    assertThat(scheduler.stats().maxProcessing()).isEqualTo(1);
    assertThat(scheduler.stats().maxConcurrent()).isEqualTo(3);

    // leaving and finishing lower the live gauges, never the high-water mark
    scheduler.leave(b);
    grants.grants.get(0).complete();
    grants.awaitCount(2);
    assertThat(scheduler.stats().maxConcurrent()).isEqualTo(3);

    // a reset restarts it from what is present now (c is running)
    scheduler.resetStats();
    assertThat(scheduler.stats().maxConcurrent()).isEqualTo(1);
    grants.request(scheduler, "d");
    assertThat(scheduler.stats().maxConcurrent()).isEqualTo(2);
    assertThat(scheduler.stats().maxProcessing()).isEqualTo(1);
  }

  @Test
  void aRequestWhoseAnswerIsWrittenNoLongerCountsAsPresentBeforeItsSlotIsReleased() {
    SlotScheduler scheduler = new SlotScheduler(1);
    Grants grants = new Grants();
    grants.request(scheduler, "a");
    grants.awaitCount(1);

    // a's last byte is out; its client (a balancer) sends the next request before a's slot is released
    grants.grants.get(0).answered();
    grants.request(scheduler, "b");

    assertThat(scheduler.stats().maxConcurrent()).as("b arrived after a was answered").isEqualTo(1);
    assertThat(scheduler.stats().waiting()).isEqualTo(1);
    grants.grants.get(0).complete();
    grants.awaitCount(2);
    assertThat(scheduler.stats().maxConcurrent()).isEqualTo(1);
    assertThat(scheduler.stats().maxProcessing()).isEqualTo(1);

    // without the answer, a third request while b runs is over the slots
    grants.request(scheduler, "c");
    assertThat(scheduler.stats().maxConcurrent()).isEqualTo(2);
  }

  @Test
  void withAPerModelLimitAModelAtItsLimitWaitsWhileOtherModelsTakeTheFreeSlots() {
    // like an Ollama with OLLAMA_NUM_PARALLEL=1 and room for three models
    SlotScheduler scheduler = new SlotScheduler(3, 1);
    Grants grants = new Grants();

    grants.request(scheduler, "llama-1", "llama3");
    grants.request(scheduler, "llama-2", "llama3");
    grants.request(scheduler, "qwen-1", "qwen");
    grants.awaitCount(2);
    assertThat(grants.order).containsExactly("llama-1", "qwen-1");
    assertThat(scheduler.stats().waiting()).isEqualTo(1);
    assertThat(scheduler.maxConcurrentByModel()).containsEntry("llama3", 2).containsEntry("qwen", 1);

    grants.grants.get(1).complete(); // qwen's slot frees: llama3 is still at its limit
    assertThat(scheduler.stats().waiting()).isEqualTo(1);
    grants.grants.get(0).complete();
    grants.awaitCount(3);
    assertThat(grants.order).containsExactly("llama-1", "qwen-1", "llama-2");

    scheduler.resetStats();
    assertThat(scheduler.maxConcurrentByModel()).containsOnly(java.util.Map.entry("llama3", 1));
  }
}
