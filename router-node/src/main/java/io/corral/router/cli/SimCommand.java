package io.corral.router.cli;

import io.corral.sim.SimFleet;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.Vertx;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code corral sim}: a simulated fleet that speaks the real Ollama and llama-server protocols. */
@Command(name = "sim", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Run simulated backends (Ollama and llama-server wire protocols, fixed slots, delays, faults) "
        + "on loopback until stopped.",
        "Prints one backend URL per line. Faults are switched at runtime with POST <url>/_sim/faults, e.g.",
        "  {\"failStatus\":503,\"failCount\":5}, {\"stallAfterChunks\":3} or {\"headersFirst\":true} (headers before "
            + "the first token, as vLLM sends them); GET <url>/_sim/stats shows load."})
public final class SimCommand implements Callable<Integer> {

  @Mixin
  FleetOptions fleet;

  @Option(names = "--host", paramLabel = "ADDR", description = "Default ${DEFAULT-VALUE}.")
  String host = "127.0.0.1";

  @Option(names = "--port", paramLabel = "PORT", description = "First port; the next backends take the following "
      + "ports. 0 = any free ports. Default ${DEFAULT-VALUE}.")
  int port = 0;

  @Override
  public Integer call() throws Exception {
    Vertx vertx = Vertx.vertx();
    SimFleet started = SimFleet.start(vertx, fleet.backends(), host, port).toCompletionStage()
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    for (SimulatedBackend b : started.backends()) {
      System.out.println(b.url() + " " + b.options().kind().name().toLowerCase(java.util.Locale.ROOT)
          + " slots=" + b.options().slots() + " models=" + b.options().models());
    }
    System.out.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      started.close();
      vertx.close();
      stopped.countDown();
    }, "sim-shutdown"));
    stopped.await();
    return 0;
  }
}
