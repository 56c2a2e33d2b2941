package io.corral.sim;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Several simulated backends started and closed together, for demos and benchmarks.
 *
 * <p>Ports: with {@code basePort} 0 every backend gets an ephemeral port; otherwise backend {@code i} listens on
 * {@code basePort + i}. Immutable once started; thread-safe.
 */
public final class SimFleet {

  private final List<SimulatedBackend> backends;

  private SimFleet(List<SimulatedBackend> backends) {
    this.backends = List.copyOf(backends);
  }

  /** Starts one backend per options entry; if any fails, the started ones are closed and the future fails. */
  public static Future<SimFleet> start(Vertx vertx, List<SimBackendOptions> options, String host, int basePort) {
    Objects.requireNonNull(options, "options");
    if (basePort < 0 || basePort > 65535) {
      throw new IllegalArgumentException("basePort must be 0..65535, was " + basePort);
    }
    List<Future<SimulatedBackend>> starting = new ArrayList<>();
    for (int i = 0; i < options.size(); i++) {
      starting.add(SimulatedBackend.start(vertx, options.get(i), host, basePort == 0 ? 0 : basePort + i));
    }
    return Future.join(starting).transform(done -> {
      List<SimulatedBackend> started = new ArrayList<>();
      starting.stream().filter(Future::succeeded).forEach(f -> started.add(f.result()));
      if (done.succeeded()) {
        return Future.succeededFuture(new SimFleet(started));
      }
      return new SimFleet(started).close().transform(closed -> Future.failedFuture(done.cause()));
    });
  }

  /** The backends, in the order of the options they were started with. */
  public List<SimulatedBackend> backends() {
    return backends;
  }

  public SimulatedBackend backend(int index) {
    return backends.get(index);
  }

  /** The base URLs, in order. */
  public List<String> urls() {
    return backends.stream().map(SimulatedBackend::url).toList();
  }

  /** Closes every backend. */
  public Future<Void> close() {
    return Future.join(backends.stream().map(SimulatedBackend::close).toList()).mapEmpty();
  }
}
