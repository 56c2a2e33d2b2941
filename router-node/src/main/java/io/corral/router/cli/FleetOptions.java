package io.corral.router.cli;

import io.corral.sim.SimBackendOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The shape of a simulated fleet, shared by {@code corral sim} and {@code corral demo}. */
final class FleetOptions {

  @Option(names = "--ollama", paramLabel = "N", description = "Simulated Ollama servers. Default ${DEFAULT-VALUE}.")
  int ollama = 2;

  @Option(names = "--llama-server", paramLabel = "N",
      description = "Simulated llama-servers. Default ${DEFAULT-VALUE}.")
  int llamaServer = 2;

  @Option(names = "--slots", paramLabel = "N", description = "Slots per backend. Default ${DEFAULT-VALUE}.")
  int slots = 2;

  @Option(names = "--model", paramLabel = "NAME", description = "Model every backend serves (Ollama backends also "
      + "serve 'qwen2.5:0.5b'). Default ${DEFAULT-VALUE}.")
  String model = "llama3";

  @Option(names = "--first-token-ms", paramLabel = "MS", description = "Delay before the first token. Default "
      + "${DEFAULT-VALUE}.")
  long firstTokenMillis = 150;

  @Option(names = "--tokens-per-second", paramLabel = "N", description = "Streaming speed; 0 = as fast as possible. "
      + "Default ${DEFAULT-VALUE}.")
  double tokensPerSecond = 25;

  @Option(names = "--tokens", paramLabel = "N", description = "Tokens per answer unless the request says. Default "
      + "${DEFAULT-VALUE}.")
  int tokens = 24;

  List<SimBackendOptions> backends() {
    if (ollama < 0 || llamaServer < 0 || ollama + llamaServer == 0) {
      throw new IllegalArgumentException("a fleet needs at least one backend (--ollama / --llama-server)");
    }
    if (slots < 1) {
      throw new IllegalArgumentException("--slots must be at least 1");
    }
    List<SimBackendOptions> out = new ArrayList<>();
    for (int i = 0; i < ollama; i++) {
      out.add(tune(SimBackendOptions.ollama(model, "qwen2.5:0.5b")));
    }
    for (int i = 0; i < llamaServer; i++) {
      out.add(tune(SimBackendOptions.llamaServer(model)));
    }
    return out;
  }

  private SimBackendOptions tune(SimBackendOptions o) {
    return o.withSlots(slots).withFirstTokenDelay(Duration.ofMillis(firstTokenMillis))
        .withTokensPerSecond(tokensPerSecond).withDefaultTokens(tokens);
  }
}
