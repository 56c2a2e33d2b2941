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
}
