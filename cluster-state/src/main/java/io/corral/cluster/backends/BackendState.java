package io.corral.cluster.backends;

import java.util.List;
import java.util.Objects;

/**
 * What the cluster knows about one backend: written by whoever probes it, read by every member's router.
 *
 * @param id            normalized base URL (see {@link BackendId})
 * @param kind          fingerprinted kind
 * @param health        current health
 * @param version       the server's own version string, if it reports one
 * @param models        public model names it serves (Ollama names are normalized to {@code name:tag};
 *                      llama-server's single model appears under its alias)
 * @param loadedModels  models currently loaded in memory (warm)
 * @param slots         how many requests it processes at once
 * @param slotsReported whether {@code slots} came from the backend itself ({@code /props total_slots}) rather
 *                      than from configuration
 * @param updatedAtMillis when this state was written (wall clock, display only)
 * @param observedBy    member UUID that wrote it
 * @param lastError     the last probe error, or empty
 * @param timeouts      the operator's timeouts for this backend (zero fields: the members' global ones)
 * @param modelSlots    how many of the slots one model may hold at once (an Ollama's {@code OLLAMA_NUM_PARALLEL}
 *                      under a larger total), or 0 for no per-model limit
 * @param origin        where the backend came from (configured, a file, the admin API, a scan)
 * @param forwardAuth   clients' {@code Authorization} and {@code Cookie} headers are passed on to it (the operator
 *                      said {@code ;forward-auth}); otherwise they are dropped
 */
public record BackendState(
    String id,
    BackendKind kind,
    BackendHealth health,
    String version,
    List<String> models,
    List<String> loadedModels,
    int slots,
    boolean slotsReported,
    long updatedAtMillis,
    String observedBy,
    String lastError,
    BackendTimeouts timeouts,
    int modelSlots,
    BackendOrigin origin,
    boolean forwardAuth) {

  /** A backend with the members' global timeouts. */
  public BackendState(String id, BackendKind kind, BackendHealth health, String version, List<String> models,
      List<String> loadedModels, int slots, boolean slotsReported, long updatedAtMillis, String observedBy,
      String lastError) {
    this(id, kind, health, version, models, loadedModels, slots, slotsReported, updatedAtMillis, observedBy,
        lastError, BackendTimeouts.DEFAULTS);
  }

  /** A backend with no per-model limit. */
  public BackendState(String id, BackendKind kind, BackendHealth health, String version, List<String> models,
      List<String> loadedModels, int slots, boolean slotsReported, long updatedAtMillis, String observedBy,
      String lastError, BackendTimeouts timeouts) {
    this(id, kind, health, version, models, loadedModels, slots, slotsReported, updatedAtMillis, observedBy,
        lastError, timeouts, 0);
  }

  /** A configured backend that gets no client credentials. */
  public BackendState(String id, BackendKind kind, BackendHealth health, String version, List<String> models,
      List<String> loadedModels, int slots, boolean slotsReported, long updatedAtMillis, String observedBy,
      String lastError, BackendTimeouts timeouts, int modelSlots) {
    this(id, kind, health, version, models, loadedModels, slots, slotsReported, updatedAtMillis, observedBy,
        lastError, timeouts, modelSlots, BackendOrigin.CONFIGURED, false);
  }

  public BackendState {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(health, "health");
    version = version == null ? "" : version;
    models = List.copyOf(models == null ? List.of() : models);
    loadedModels = List.copyOf(loadedModels == null ? List.of() : loadedModels);
    if (slots < 0 || modelSlots < 0) {
      throw new IllegalArgumentException("slots and modelSlots must be >= 0");
    }
    observedBy = observedBy == null ? "" : observedBy;
    lastError = lastError == null ? "" : lastError;
    timeouts = timeouts == null ? BackendTimeouts.DEFAULTS : timeouts;
    origin = origin == null ? BackendOrigin.UNKNOWN : origin;
  }

  public BackendId backendId() {
    return new BackendId(id);
  }

  public boolean isUp() {
    return health == BackendHealth.UP;
  }

  public boolean serves(String publicModelName) {
    return models.contains(publicModelName);
  }
}
