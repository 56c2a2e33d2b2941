package io.corral.sim;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Optional;

/**
 * The simulator's own endpoints under {@code /_sim/}, for benchmarks and chaos tests in other processes:
 * {@code GET /_sim/stats}, {@code GET|POST /_sim/faults} (fields left out stay unchanged) and
 * {@code POST /_sim/reset} (clears faults and stats).
 */
final class ControlApi {

  private final SimulatedBackend backend;

  ControlApi(SimulatedBackend backend) {
    this.backend = backend;
  }

  void mount(Router router) {
    router.get("/_sim/stats").handler(ctx -> ApiFamily.sendJson(ctx, backend.stats().toJson()));
    router.get("/_sim/faults").handler(ctx -> ApiFamily.sendJson(ctx, faultsJson()));
    router.post("/_sim/faults").handler(this::changeFaults);
    router.post("/_sim/reset").handler(this::reset);
  }

  private void changeFaults(RoutingContext ctx) {
    Optional<JsonObject> parsed = RequestJson.parse(ctx, ApiFamily.OLLAMA);
    if (parsed.isEmpty()) {
      return;
    }
    JsonObject body = parsed.get();
    try {
      SimFaultState now = backend.faults().state();
      boolean failChanged = body.containsKey("failStatus") || body.containsKey("failCount");
      SimFaultState next = new SimFaultState(
          body.getInteger("stallAfterChunks", now.stallAfterChunks()),
          body.getInteger("failStatus", now.failStatus()),
          // Naming a status without a count means "until cleared".
          body.getInteger("failCount", failChanged ? -1 : now.failCount()),
          body.getInteger("resetAfterChunks", now.resetAfterChunks()),
          body.containsKey("extraFirstTokenDelayMs")
              ? Duration.ofMillis(body.getLong("extraFirstTokenDelayMs")) : now.extraFirstTokenDelay(),
          body.getBoolean("headersFirst", now.headersFirst()));
      Integer slots = body.getInteger("slots");
      if (slots != null) {
        backend.setSlots(slots);
      }
      backend.faults().replace(next);
    } catch (IllegalArgumentException | ClassCastException e) {
      ApiFamily.send(ctx, 400, ApiFamily.JSON, new JsonObject().put("error", e.getMessage()));
      return;
    }
    ApiFamily.sendJson(ctx, faultsJson());
  }

  private void reset(RoutingContext ctx) {
    backend.faults().clear();
    backend.resetStats();
    ApiFamily.sendJson(ctx, backend.stats().toJson());
  }

  private JsonObject faultsJson() {
    return backend.faults().state().toJson().put("slots", backend.slots());
  }
}
