package io.corral.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.cluster.events.ClusterEvent;
import org.junit.jupiter.api.Test;

class EventLogTest {

  private static ClusterEvent event(String type, String detail) {
    return new ClusterEvent(type, "subject", detail, "http://127.0.0.1:8000", 1_000);
  }

  @Test
  void highRateInfoEventsAreSampledButWarningsErrorsAndMembershipAreAlwaysKept() {
    EventLog log = new EventLog((com.hazelcast.topic.ITopic<ClusterEvent>) null, 1000, 0.1);
    long id = 0;
    for (int i = 0; i < 100; i++) {
      log.accept(id++, event("scan_finished", "ok"));
      log.accept(id++, event("backend_state", "ollama down (was up)"));
      log.accept(id++, event("circuit_opened", "5 of 10 failed"));
    }
    log.accept(id++, event("member_joined", "x joined"));
    log.accept(id++, event("app_registered", "a registered"));
    log.accept(id++, event("probe_failed", "boom"));
    var kept = log.since(-1, 10_000);
    assertThat(kept.stream().filter(e -> e.event().type().equals("scan_finished"))).hasSize(10);
    assertThat(kept.stream().filter(e -> e.event().type().equals("backend_state"))).hasSize(100)
        .allMatch(e -> e.level().equals("warn"));
    assertThat(kept.stream().filter(e -> e.event().type().equals("circuit_opened"))).hasSize(100);
    assertThat(kept).extracting(e -> e.event().type()).contains("member_joined", "app_registered", "probe_failed");
    assertThat(kept.get(kept.size() - 1).level()).isEqualTo("error");
    assertThat(log.stats().getLong("sampledOut")).isEqualTo(90);
  }

  @Test
  void onlyTheNewestMaxEventsAreKeptAndSinceReturnsThoseAfterAnId() {
    EventLog log = new EventLog((com.hazelcast.topic.ITopic<ClusterEvent>) null, 10, 1.0);
    for (long id = 0; id < 25; id++) {
      log.accept(id, event("member_joined", "n" + id));
    }
    assertThat(log.since(-1, 100)).extracting(EventLog.Entry::id).containsExactly(15L, 16L, 17L, 18L, 19L, 20L,
        21L, 22L, 23L, 24L);
    assertThat(log.since(21, 100)).extracting(EventLog.Entry::id).containsExactly(22L, 23L, 24L);
    assertThat(log.since(-1, 2)).extracting(EventLog.Entry::id).containsExactly(23L, 24L);
    assertThat(log.since(-1, 1).get(0).toJson().fieldNames()).contains("id", "timestamp", "component",
        "event_type", "message", "level", "member");
  }
}
