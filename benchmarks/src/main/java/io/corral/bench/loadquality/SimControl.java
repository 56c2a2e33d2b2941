package io.corral.bench.loadquality;

import io.corral.sim.SimStats;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulated backends' control endpoints ({@code GET /_sim/stats}, {@code POST /_sim/reset}), called between
 * runs, never during one. Blocking; call from the benchmark's main thread.
 */
final class SimControl {

  private final List<URI> sims;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  SimControl(List<URI> sims) {
    this.sims = List.copyOf(sims);
  }

  List<URI> sims() {
    return sims;
  }

  /** Every backend's statistics, in {@link #sims()} order. */
  List<SimStats> stats() throws IOException, InterruptedException {
    List<SimStats> out = new ArrayList<>();
    for (URI u : sims) {
      out.add(SimStats.fromJson(call(HttpRequest.newBuilder(u.resolve("/_sim/stats")).GET())));
    }
    return out;
  }

  /** Clears counters (and faults) on every backend; {@code maxConcurrent} restarts from what is present now. */
  void reset() throws IOException, InterruptedException {
    for (URI u : sims) {
      call(HttpRequest.newBuilder(u.resolve("/_sim/reset")).POST(HttpRequest.BodyPublishers.ofString("{}"))
          .header("Content-Type", "application/json"));
    }
  }

  /** Waits (bounded) until no backend has a request running or waiting, so a run starts from an idle fleet. */
  boolean awaitIdle(Duration atMost) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + atMost.toNanos();
    while (true) {
      boolean idle = stats().stream().allMatch(s -> s.processing() == 0 && s.waiting() == 0);
      if (idle) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(100);
    }
  }

  private JsonObject call(HttpRequest.Builder request) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(r.uri() + " answered " + r.statusCode() + ": " + r.body());
    }
    return new JsonObject(r.body());
  }
}
