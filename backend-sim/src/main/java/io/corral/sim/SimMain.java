package io.corral.sim;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs simulated backends as a process, for benchmarks and chaos tests driven from outside the JVM
 * (faults and stats through {@code /_sim/*}). Prints one {@code url=...} line per backend and runs until killed.
 *
 * <pre>
 *   java -cp ... io.corral.sim.SimMain --kind ollama --models llama3,qwen2.5:7b --slots 2 --port 11434
 *   java -cp ... io.corral.sim.SimMain --kind llama-server --models tiny --count 3 --port 8080 --tps 50
 * </pre>
 *
 * Options: {@code --kind ollama|llama-server}, {@code --host} (127.0.0.1), {@code --port} (0 = ephemeral; with
 * {@code --count} backend i uses port+i), {@code --count} (1), {@code --slots} (1), {@code --models} (comma
 * separated), {@code --first-token-ms} (0), {@code --tps} (0 = unlimited), {@code --tokens} (8).
 */
public final class SimMain {

  private SimMain() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> flags = parse(args);
    SimKind kind = switch (flags.getOrDefault("kind", "ollama")) {
      case "ollama" -> SimKind.OLLAMA;
      case "llama-server", "llama" -> SimKind.LLAMA_SERVER;
      default -> throw new IllegalArgumentException("--kind must be ollama or llama-server");
    };
    List<String> models = Arrays.asList(flags.getOrDefault("models", kind == SimKind.OLLAMA ? "llama3" : "model")
        .split(","));
    SimBackendOptions base = kind == SimKind.OLLAMA
        ? SimBackendOptions.ollama(models.toArray(String[]::new))
        : SimBackendOptions.llamaServer(models.get(0));
    SimBackendOptions options = base
        .withSlots(Integer.parseInt(flags.getOrDefault("slots", "1")))
        .withFirstTokenDelay(Duration.ofMillis(Long.parseLong(flags.getOrDefault("first-token-ms", "0"))))
        .withTokensPerSecond(Double.parseDouble(flags.getOrDefault("tps", "0")))
        .withDefaultTokens(Integer.parseInt(flags.getOrDefault("tokens", "8")));
    int count = Integer.parseInt(flags.getOrDefault("count", "1"));
    List<SimBackendOptions> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      all.add(options);
    }

    Vertx vertx = Vertx.vertx();
    SimFleet fleet = SimFleet.start(vertx, all, flags.getOrDefault("host", "127.0.0.1"),
            Integer.parseInt(flags.getOrDefault("port", "0")))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    for (SimulatedBackend backend : fleet.backends()) {
      System.out.println("sim kind=" + kind.name().toLowerCase().replace('_', '-') + " url=" + backend.url());
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        fleet.close().compose(v -> vertx.close()).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // Exiting anyway.
      }
    }));
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> flags = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        throw new IllegalArgumentException("expected --name value pairs, got " + Arrays.toString(args));
      }
      flags.put(args[i].substring(2), args[++i]);
    }
    return flags;
  }
}
