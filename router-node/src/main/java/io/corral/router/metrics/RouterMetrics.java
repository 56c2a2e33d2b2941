package io.corral.router.metrics;

import io.corral.cluster.ledger.LedgerSnapshot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/**
 * corral's own meters, next to Vert.x's HTTP meters in the same registry. Names follow Prometheus conventions:
 * {@code corral_requests_total{route,backend,status}}, {@code corral_request_duration_seconds{route,backend}},
 * {@code corral_time_to_first_byte_seconds{route,backend}}, {@code corral_backend_in_flight{backend}}.
 */
public final class RouterMetrics {

  private final PrometheusMeterRegistry registry;
  private final MultiGauge clusterInFlight;
  private final MultiGauge clusterSlots;
  private final MultiGauge clusterModelInFlight;
  private final MultiGauge clusterModelSlots;
  private final MultiGauge queueByPriority;
  private final MultiGauge queueByModel;
  private final AtomicInteger queueDepth = new AtomicInteger();

  public RouterMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    clusterInFlight = MultiGauge.builder("corral_cluster_backend_in_flight")
        .description("Requests running on the backend, counted across the whole cluster (the ledger's leases)")
        .register(registry);
    clusterSlots = MultiGauge.builder("corral_cluster_backend_slots")
        .description("The backend's slots as the ledger grants them").register(registry);
    clusterModelInFlight = MultiGauge.builder("corral_cluster_backend_model_in_flight")
        .description("Requests of one model running on the backend, counted across the whole cluster")
        .register(registry);
    clusterModelSlots = MultiGauge.builder("corral_cluster_backend_model_slots")
        .description("How many of the backend's slots one model may hold (only backends with model-slots)")
        .register(registry);
    queueByPriority = MultiGauge.builder("corral_cluster_queue_waiting_by_priority")
        .description("Requests waiting in the cluster-wide queue, by priority").register(registry);
    queueByModel = MultiGauge.builder("corral_cluster_queue_waiting_by_model")
        .description("Requests waiting in the cluster-wide queue, by model").register(registry);
    io.micrometer.core.instrument.Gauge.builder("corral_cluster_queue_depth", queueDepth, AtomicInteger::get)
        .description("Requests waiting in the cluster-wide queue").register(registry);
  }

  /** Updates the cluster-wide gauges from a ledger snapshot (taken when metrics are scraped). */
  public void ledger(LedgerSnapshot snapshot) {
    List<MultiGauge.Row<?>> inFlight = new ArrayList<>();
    List<MultiGauge.Row<?>> slots = new ArrayList<>();
    List<MultiGauge.Row<?>> modelInFlight = new ArrayList<>();
    List<MultiGauge.Row<?>> modelSlots = new ArrayList<>();
    for (LedgerSnapshot.BackendLoad b : snapshot.backends()) {
      inFlight.add(MultiGauge.Row.of(Tags.of("backend", b.backendId()), b.inFlight()));
      slots.add(MultiGauge.Row.of(Tags.of("backend", b.backendId()), b.slots()));
      b.inFlightByModel().forEach((m, n) -> modelInFlight.add(MultiGauge.Row.of(Tags.of("backend", b.backendId(),
          "model", m), n)));
      if (b.modelSlots() > 0) {
        modelSlots.add(MultiGauge.Row.of(Tags.of("backend", b.backendId()), b.modelSlots()));
      }
    }
    clusterInFlight.register(inFlight, true);
    clusterSlots.register(slots, true);
    clusterModelInFlight.register(modelInFlight, true);
    clusterModelSlots.register(modelSlots, true);
    List<MultiGauge.Row<?>> byPriority = new ArrayList<>();
    snapshot.depthByPriority().forEach((p, n) -> byPriority.add(MultiGauge.Row.of(Tags.of("priority",
        Integer.toString(p)), n)));
    queueByPriority.register(byPriority, true);
    List<MultiGauge.Row<?>> byModel = new ArrayList<>();
    snapshot.depthByModel().forEach((m, n) -> byModel.add(MultiGauge.Row.of(Tags.of("model", m), n)));
    queueByModel.register(byModel, true);
    queueDepth.set(snapshot.queueDepth());
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /** Records a finished request. {@code backend} is "none" when the request never reached one. */
  public void requestFinished(String route, String backend, int status, Duration total) {
    Counter.builder("corral_requests")
        .description("Requests answered, by route, backend and status")
        .tag("route", route).tag("backend", backend).tag("status", Integer.toString(status))
        .register(registry).increment();
    Timer.builder("corral_request_duration")
        .description("Time from request arrival to the end of the response")
        .tag("route", route).tag("backend", backend)
        .publishPercentiles(0.5, 0.95, 0.99)
        .register(registry).record(total);
  }

  /** Records when the backend's response headers arrived. */
  /** A request left a backend that failed before the first byte, to try another. */
  public void failover(String route, String backend, String reason) {
    Counter.builder("corral_failovers")
        .description("Requests sent on to another backend after a failure before their first byte")
        .tag("route", route).tag("backend", backend).tag("reason", reason)
        .register(registry).increment();
  }

  /** A slow request got a second copy on another backend. */
  public void hedge(String route, String backend) {
    Counter.builder("corral_hedges").description("Second copies sent for requests with no first byte in time")
        .tag("route", route).tag("backend", backend).register(registry).increment();
  }

  public void firstByte(String route, String backend, Duration sinceArrival) {
    Timer.builder("corral_time_to_first_byte")
        .description("Time from request arrival to the backend's response headers")
        .tag("route", route).tag("backend", backend)
        .publishPercentiles(0.5, 0.95, 0.99)
        .register(registry).record(sinceArrival);
  }

  /** Registers a gauge of this member's in-flight requests on a backend (idempotent per backend). */
  public <T> void inFlightGauge(String backend, T source, ToDoubleFunction<T> value) {
    io.micrometer.core.instrument.Gauge.builder("corral_backend_in_flight", source, value)
        .description("Requests this member is running on the backend now")
        .tag("backend", backend)
        .register(registry);
  }
}
