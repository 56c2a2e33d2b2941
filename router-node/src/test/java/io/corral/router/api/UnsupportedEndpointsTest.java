package io.corral.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.router.time.Ticker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A backend that lacks an endpoint is skipped for it until the memory fades; the time is set, not slept. */
class UnsupportedEndpointsTest {

  static final class SetTicker implements Ticker {
    long nanos = 1_000;

    @Override
    public long nanoTime() {
      return nanos;
    }

    @Override
    public long currentTimeMillis() {
      return nanos / 1_000_000;
    }
  }

  @Test
  void aBackendIsSkippedForTheRouteItLackedUntilTheMemoryFades() {
    SetTicker clock = new SetTicker();
    UnsupportedEndpoints lacking = new UnsupportedEndpoints(Duration.ofMinutes(10), clock);
    lacking.remember("http://127.0.0.1:8081", "/v1/embeddings");
    assertThat(lacking.lacks("http://127.0.0.1:8081", "/v1/embeddings")).isTrue();
    assertThat(lacking.lacks("http://127.0.0.1:8081", "/v1/chat/completions")).isFalse();
    assertThat(lacking.lacks("http://127.0.0.1:8082", "/v1/embeddings")).isFalse();

    clock.nanos += Duration.ofMinutes(9).toNanos();
    assertThat(lacking.lacks("http://127.0.0.1:8081", "/v1/embeddings")).isTrue();
    clock.nanos += Duration.ofMinutes(2).toNanos();
    assertThat(lacking.lacks("http://127.0.0.1:8081", "/v1/embeddings")).as("after 11 minutes").isFalse();
  }
}
