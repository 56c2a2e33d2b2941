package io.corral.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TrafficStatisticsTest {

  @Test
  void quantilesComeFromSummedHistogramsInterpolatedWithinABucket() {
    long[] a = new long[LatencyBuckets.COUNT];
    long[] b = new long[LatencyBuckets.COUNT];
    for (int i = 0; i < 90; i++) {
      a[LatencyBuckets.indexOf(80_000_000L)]++; // 80 ms: the (50, 100] ms bucket
    }
    for (int i = 0; i < 10; i++) {
      b[LatencyBuckets.indexOf(3_000_000_000L)]++; // 3 s: the (2.5, 5] s bucket
    }
    long[] sum = new long[LatencyBuckets.COUNT];
    for (int i = 0; i < sum.length; i++) {
      sum[i] = a[i] + b[i];
    }
    assertThat(LatencyBuckets.quantileMillis(sum, 0.5)).isBetween(50.0, 100.0);
    assertThat(LatencyBuckets.quantileMillis(sum, 0.95)).isBetween(2500.0, 5000.0);
    assertThat(LatencyBuckets.quantileMillis(new long[LatencyBuckets.COUNT], 0.5)).isEqualTo(-1);
    long[] slow = new long[LatencyBuckets.COUNT];
    slow[LatencyBuckets.indexOf(500_000_000_000L)] = 1;
    assertThat(LatencyBuckets.quantileMillis(slow, 0.99)).isCloseTo(120_000, within(0.1));
  }

  @Test
  void aRequestIsCountedInTheWindowAndTheRateUsesCompleteSeconds() {
    long[] now = {100_000};
    TrafficTap tap = new TrafficTap(new java.time.InstantSource() {
      @Override
      public java.time.Instant instant() {
        return java.time.Instant.ofEpochMilli(now[0]);
      }
    });
    for (int i = 0; i < 20; i++) {
      tap.record("/api/chat", "http://b:11434", "app", i < 2 ? 503 : 200, 10_000_000L, 5_000_000L);
    }
    now[0] += 1_000;
    var json = tap.toJson();
    assertThat(json.getJsonObject("requests").getLong("total")).isEqualTo(20);
    assertThat(json.getJsonObject("requests").getLong("errors")).isEqualTo(2);
    assertThat(json.getJsonObject("requests").getDouble("rate")).isEqualTo(2.0);
    assertThat(json.getJsonObject("backends").getJsonObject("http://b:11434").getLong("windowErrors")).isEqualTo(2);
    assertThat(json.getJsonObject("apps").getJsonObject("app").getLong("total")).isEqualTo(20);
    now[0] += 61_000;
    assertThat(tap.toJson().getJsonObject("requests").getLong("windowCount")).isZero();
  }

  @Test
  void percentilesOfAFewRequestsAreTheirOwnLatenciesAcrossMembers() {
    // the case a user saw: one request of 1.07-1.12 s showed p50/p95/p99 of 1.75/2.43/2.49 s from buckets
    long[] now = {100_000};
    java.time.InstantSource clock = () -> java.time.Instant.ofEpochMilli(now[0]);
    TrafficTap one = new TrafficTap(clock);
    TrafficTap other = new TrafficTap(clock);
    one.record("/api/chat", "http://b:11434", "app", 200, 1_070_000_000L, 159_000_000L);
    other.record("/api/chat", "http://b:11434", "app", 200, 1_120_000_000L, 167_000_000L);
    now[0] += 1_000;
    var docs = java.util.Map.of("m1", one.toJson(), "m2", other.toJson());
    var totals = ClusterView.totals(docs);
    for (String p : java.util.List.of("p50", "p95", "p99")) {
      assertThat(totals.getJsonObject("latencyMs").getDouble(p)).as("latency " + p).isBetween(1070 * 0.98, 1120 * 1.02);
      assertThat(totals.getJsonObject("ttftMs").getDouble(p)).as("first byte " + p).isBetween(159 * 0.98, 167 * 1.02);
    }
    assertThat(totals.getJsonObject("latencyMs").getDouble("p50")).isLessThan(1070 * 1.02);
  }

  @Test
  void aMemberThatPostsOnlyBucketsMakesTheWindowFallBackToBucketsForEveryone() {
    TrafficTap tap = new TrafficTap(() -> java.time.Instant.ofEpochMilli(100_000));
    tap.record("/api/chat", "http://b:11434", "app", 200, 80_000_000L, 10_000_000L);
    var withSketch = tap.toJson();
    var older = tap.toJson();
    older.getJsonObject("requests").remove("windowSketch");
    LatencyWindow window = new LatencyWindow();
    window.add(withSketch.getJsonObject("requests"));
    assertThat(window.percentiles().getDouble("p50")).isCloseTo(80.0, within(80 * 0.02));
    window.add(older.getJsonObject("requests"));
    // two samples in the (50, 100] ms bucket, interpolated as before
    assertThat(window.percentiles().getDouble("p50")).isBetween(50.0, 100.0);
    LatencyWindow junk = new LatencyWindow();
    var bad = withSketch.getJsonObject("requests").copy().put("windowSketch", "not a sketch");
    junk.add(bad);
    assertThat(junk.percentiles().getDouble("p50")).isBetween(50.0, 100.0);
  }
}
