package io.corral.router.routing;

import io.corral.cluster.backends.BackendKind;
import io.corral.cluster.backends.BackendState;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Whether a model is loaded (warm) on a backend, as this member can tell: Ollama's {@code /api/ps} as last probed,
 * or a request this member just completed there (the model is loaded now, and Ollama keeps it for minutes; the
 * probe may be seconds behind). A llama-server or generic OpenAI server serves the models it has loaded, so it is
 * always warm. The ledger prefers warm backends and caps cold loads per backend, so a burst for a model that is
 * loaded nowhere does not start a model swap on every backend at once.
 *
 * <p>It also learns how long a model takes to load: the first-byte time of requests that ran where their model was
 * cold (a moving average per model). A request holds out for a warm backend that long before it starts a load.
 *
 * <p>Thread-safe.
 */
public final class WarmModels {

  /** How long a completed request vouches for a loaded model without the probe confirming it. */
  static final Duration LEARNED_FOR = Duration.ofSeconds(60);

  private final LongSupplier nanoClock;
  private final Map<String, Long> learnedAt = new ConcurrentHashMap<>();
  /** Per model: the moving average of cold first-byte times, in nanoseconds. */
  private final Map<String, Long> loadNanos = new ConcurrentHashMap<>();

  public WarmModels(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  public WarmModels() {
    this(System::nanoTime);
  }

  /** {@code model} (normalized) just answered on {@code backendId}: it is loaded there now. */
  public void answered(String backendId, String model) {
    learnedAt.put(key(backendId, model), nanoClock.getAsLong());
  }

  /** Whether requests for {@code model} would find it loaded on {@code backend}. */
  public boolean isWarm(BackendState backend, String model) {
    if (backend.kind() != BackendKind.OLLAMA || backend.loadedModels().contains(model)) {
      return true;
    }
    Long at = learnedAt.get(key(backend.id(), model));
    if (at == null) {
      return false;
    }
    if (nanoClock.getAsLong() - at > LEARNED_FOR.toNanos()) {
      learnedAt.remove(key(backend.id(), model), at);
      return false;
    }
    return true;
  }

  /** A request for {@code model} ran where the model was cold: its first byte took {@code firstByte}. */
  public void loaded(String model, Duration firstByte) {
    long sample = firstByte.toNanos();
    // a weight of 1/4 for the newest: one slow disk read does not double the wait, a model that grew does show
    loadNanos.merge(model, sample, (old, next) -> old + (next - old) / 4);
  }

  /** How long {@code model} takes to load, as measured here, or {@code unmeasured} before any cold request. */
  public Duration expectedLoadTime(String model, Duration unmeasured) {
    Long nanos = loadNanos.get(model);
    return nanos == null ? unmeasured : Duration.ofNanos(nanos);
  }

  private static String key(String backendId, String model) {
    return backendId + "\n" + model;
  }
}
