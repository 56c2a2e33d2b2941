package io.corral.router.routing;

import io.corral.cluster.backends.OpenCircuits;
import io.corral.cluster.events.EventStream;
import io.corral.router.proxy.ProxyOutcome;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One circuit breaker per backend on this member, fed by the outcome of every request it forwarded there. When
 * one trips (the failure rate over the last requests reached the threshold) the backend's circuit opens for the
 * whole cluster ({@link OpenCircuits}) for the cool-down; when the cool-down ends every member lets requests
 * through again as trials, and the first failures on any member open it again while successes close it.
 * Resilience4j keeps each breaker's state machine; the shared map makes the decision cluster-wide.
 *
 * <p>What counts: a connect failure, no first byte in time, a stream that broke or stalled, and a 5xx answer are
 * failures; a completed 2xx-4xx answer is a success (a 4xx is the client's fault, not the backend's); a client
 * that went away, and a 501 (an endpoint the backend does not implement), count for nothing. Thread-safe.
 */
public final class BackendBreakers {

  private static final Logger log = LoggerFactory.getLogger(BackendBreakers.class);

  /**
   * @param window        requests per backend the failure rate is taken over
   * @param minimumCalls  requests seen before the rate counts at all
   * @param failureRate   percent of failures that opens the circuit
   * @param coolDown      how long the circuit stays open before trial requests go through
   */
  public record Settings(int window, int minimumCalls, float failureRate, Duration coolDown) {
    public static final Settings DEFAULTS = new Settings(10, 5, 50f, Duration.ofSeconds(10));
  }

  private final OpenCircuits circuits;
  private final EventStream events;
  private final Supplier<String> memberName;
  private final Settings settings;
  private final CircuitBreakerConfig config;
  private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();

  public BackendBreakers(OpenCircuits circuits, Supplier<String> memberName, Settings settings, EventStream events) {
    this.circuits = circuits;
    this.events = events;
    this.memberName = memberName;
    this.settings = settings;
    this.config = CircuitBreakerConfig.custom()
        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
        .slidingWindowSize(settings.window())
        .minimumNumberOfCalls(settings.minimumCalls())
        .failureRateThreshold(settings.failureRate())
        .waitDurationInOpenState(settings.coolDown())
        .permittedNumberOfCallsInHalfOpenState(2)
        // half-open when the shared circuit expires, so a member that opened it takes part in the trial
        .automaticTransitionFromOpenToHalfOpenEnabled(true)
        .build();
  }

  /** Whether the backend may take new requests (no member has its circuit open). */
  public boolean allows(String backendId) {
    return !circuits.isOpen(backendId);
  }

  /** Records how a request forwarded to the backend ended. */
  public void record(String backendId, ProxyOutcome outcome, long durationNanos) {
    if (outcome.result() == ProxyOutcome.Result.CLIENT_GONE || outcome.result() == ProxyOutcome.Result.SLOW_CLIENT
        || outcome.result() == ProxyOutcome.Result.HEDGE_LOST) {
      // the client's doing, not the backend's
      return;
    }
    if (outcome.result() == ProxyOutcome.Result.UNSUPPORTED || outcome.status() == 501) {
      // an endpoint the backend does not implement says nothing about its health
      return;
    }
    boolean failed = outcome.result() != ProxyOutcome.Result.COMPLETED || outcome.status() >= 500;
    CircuitBreaker b = breakers.computeIfAbsent(backendId, this::create);
    if (failed) {
      b.onError(durationNanos, TimeUnit.NANOSECONDS, new BackendFailure(describe(outcome)));
    } else {
      b.onSuccess(durationNanos, TimeUnit.NANOSECONDS);
    }
  }

  private CircuitBreaker create(String backendId) {
    CircuitBreaker b = CircuitBreaker.of(backendId, config);
    b.getEventPublisher().onStateTransition(e -> {
      switch (e.getStateTransition().getToState()) {
        case OPEN -> {
          String reason = String.format("%.0f%% of the last %d requests through %s failed", b.getMetrics()
              .getFailureRate(), b.getMetrics().getNumberOfBufferedCalls(), memberName.get());
          log.warn("event=circuit_opened backend={} cool_down_ms={} reason=\"{}\"", backendId,
              settings.coolDown().toMillis(), reason);
          circuits.open(backendId, memberName.get(), reason, settings.coolDown());
          events.publish("circuit_opened", backendId, reason);
        }
        case CLOSED -> {
          log.info("event=circuit_closed backend={}", backendId);
          circuits.close(backendId);
          events.publish("circuit_closed", backendId, "trial requests succeeded");
        }
        case HALF_OPEN -> log.info("event=circuit_half_open backend={}", backendId);
        default -> {
          // DISABLED / FORCED_OPEN / METRICS_ONLY are never used here
        }
      }
    });
    return b;
  }

  private static String describe(ProxyOutcome o) {
    return o.result() == ProxyOutcome.Result.COMPLETED ? "status " + o.status() : o.result().name();
  }

  /** The failure handed to the breaker (it only counts it). */
  private static final class BackendFailure extends RuntimeException {
    BackendFailure(String message) {
      super(message, null, false, false);
    }
  }
}
