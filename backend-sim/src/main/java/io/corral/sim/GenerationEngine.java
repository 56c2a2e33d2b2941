package io.corral.sim;

import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.OptionalInt;
import java.util.function.LongSupplier;

/**
 * Runs generation requests of one backend: applies injected failures, queues for a slot and then paces the
 * tokens ({@link GenerationRun}). Shared by every API flavour; the flavour supplies the parsed plan and the
 * output format.
 */
final class GenerationEngine {

  final Vertx vertx;
  final SimFaults faults;
  final SlotScheduler scheduler;
  final GenerationTotals totals;
  final LongSupplier nanoTime;
  private final SimBackendOptions options;

  GenerationEngine(Vertx vertx, SimBackendOptions options, SimFaults faults, SlotScheduler scheduler,
      GenerationTotals totals, LongSupplier nanoTime) {
    this.vertx = vertx;
    this.options = options;
    this.faults = faults;
    this.scheduler = scheduler;
    this.totals = totals;
    this.nanoTime = nanoTime;
  }

  SimBackendOptions options() {
    return options;
  }

  /** Serves one generation request of {@code model}; {@code family} words an injected failure. */
  void serve(RoutingContext ctx, ApiFamily family, String model, GenerationPlan plan, GenerationOutput output) {
    OptionalInt failure = faults.claimFailure();
    if (failure.isPresent()) {
      family.injectedFailure(ctx, failure.getAsInt());
      return;
    }
    new GenerationRun(this, ctx, model, plan, output).start();
  }
}
