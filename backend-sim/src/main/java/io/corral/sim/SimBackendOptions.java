package io.corral.sim;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How one simulated backend behaves: which server it imitates, how many requests it processes at once, which
 * models it serves and how fast it "generates".
 *
 * <p>Immutable and validated on construction. The {@code with*} methods return modified copies.
 *
 * @param kind which real server is imitated
 * @param slots how many generation requests are processed concurrently; the rest wait in a FIFO
 * @param models model names served; Ollama names are normalized ({@code llama3} means {@code llama3:latest}),
 *     a llama-server serves exactly one model, named by its alias
 * @param firstTokenDelay time from taking a slot to the first token
 * @param tokensPerSecond token rate after the first token; {@code 0} means as fast as possible
 * @param defaultTokens tokens generated when the request does not ask for a number
 * @param version Ollama's {@code /api/version}, or llama-server's {@code build_info}
 * @param modelSlots how many of the slots one model may hold at once, like Ollama's {@code OLLAMA_NUM_PARALLEL}
 *     (which applies per loaded model); 0 = no per-model limit. A request of a model at its limit waits even when
 *     other slots are free, and requests of other models go ahead of it
 */
public record SimBackendOptions(
    SimKind kind,
    int slots,
    List<String> models,
    Duration firstTokenDelay,
    double tokensPerSecond,
    int defaultTokens,
    String version,
    int modelSlots) {

  /** Ollama release reported by default. */
  public static final String DEFAULT_OLLAMA_VERSION = "0.12.6";
  /** llama-server build reported by default. */
  public static final String DEFAULT_LLAMA_SERVER_BUILD = "b6000-sim";
  /** Tokens generated when a request does not say how many. */
  public static final int DEFAULT_TOKENS = 8;

  /** No per-model limit. */
  public SimBackendOptions(SimKind kind, int slots, List<String> models, Duration firstTokenDelay,
      double tokensPerSecond, int defaultTokens, String version) {
    this(kind, slots, models, firstTokenDelay, tokensPerSecond, defaultTokens, version, 0);
  }

  public SimBackendOptions {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(models, "models");
    Objects.requireNonNull(firstTokenDelay, "firstTokenDelay");
    Objects.requireNonNull(version, "version");
    if (slots < 1) {
      throw new IllegalArgumentException("slots must be >= 1, was " + slots);
    }
    models = List.copyOf(models);
    if (models.isEmpty()) {
      throw new IllegalArgumentException("at least one model is required");
    }
    if (models.stream().anyMatch(m -> m == null || m.isBlank())) {
      throw new IllegalArgumentException("model names must not be blank: " + models);
    }
    if (kind == SimKind.LLAMA_SERVER && models.size() != 1) {
      throw new IllegalArgumentException("a llama-server serves exactly one model, got " + models);
    }
    if (firstTokenDelay.isNegative()) {
      throw new IllegalArgumentException("firstTokenDelay must not be negative: " + firstTokenDelay);
    }
    if (!(tokensPerSecond >= 0) || Double.isInfinite(tokensPerSecond)) {
      throw new IllegalArgumentException("tokensPerSecond must be finite and >= 0, was " + tokensPerSecond);
    }
    if (defaultTokens < 1) {
      throw new IllegalArgumentException("defaultTokens must be >= 1, was " + defaultTokens);
    }
    if (version.isBlank()) {
      throw new IllegalArgumentException("version must not be blank");
    }
    if (modelSlots < 0) {
      throw new IllegalArgumentException("modelSlots must be >= 0, was " + modelSlots);
    }
  }

  /** An Ollama serving the given models (at least one) with one slot, no delays and 8 tokens per answer. */
  public static SimBackendOptions ollama(String... models) {
    return new SimBackendOptions(
        SimKind.OLLAMA, 1, List.of(models), Duration.ZERO, 0, DEFAULT_TOKENS, DEFAULT_OLLAMA_VERSION);
  }

  /** A llama-server serving one model (its alias) with one slot, no delays and 8 tokens per answer. */
  public static SimBackendOptions llamaServer(String model) {
    return new SimBackendOptions(
        SimKind.LLAMA_SERVER, 1, List.of(model), Duration.ZERO, 0, DEFAULT_TOKENS, DEFAULT_LLAMA_SERVER_BUILD);
  }

  public SimBackendOptions withSlots(int n) {
    return new SimBackendOptions(kind, n, models, firstTokenDelay, tokensPerSecond, defaultTokens, version,
        modelSlots);
  }

  public SimBackendOptions withFirstTokenDelay(Duration d) {
    return new SimBackendOptions(kind, slots, models, d, tokensPerSecond, defaultTokens, version, modelSlots);
  }

  public SimBackendOptions withTokensPerSecond(double tps) {
    return new SimBackendOptions(kind, slots, models, firstTokenDelay, tps, defaultTokens, version, modelSlots);
  }

  public SimBackendOptions withDefaultTokens(int n) {
    return new SimBackendOptions(kind, slots, models, firstTokenDelay, tokensPerSecond, n, version, modelSlots);
  }

  public SimBackendOptions withVersion(String v) {
    return new SimBackendOptions(kind, slots, models, firstTokenDelay, tokensPerSecond, defaultTokens, v, modelSlots);
  }

  /** At most {@code n} requests of one model at once (0: no per-model limit), like {@code OLLAMA_NUM_PARALLEL}. */
  public SimBackendOptions withModelSlots(int n) {
    return new SimBackendOptions(kind, slots, models, firstTokenDelay, tokensPerSecond, defaultTokens, version, n);
  }

  /** The one model of a llama-server (its alias), or the first model of an Ollama. */
  public String primaryModel() {
    return models.get(0);
  }
}
