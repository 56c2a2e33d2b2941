package io.corral.discovery.fingerprint;

import io.corral.cluster.backends.BackendKind;
import java.util.List;

/**
 * What probing a backend found out.
 *
 * @param kind          what it runs ({@link BackendKind#UNKNOWN} when nothing answered like a known server)
 * @param reachable     whether it answered at all
 * @param ready         whether it can serve now (a llama-server loading its model is reachable but not ready)
 * @param version       its version string, or empty
 * @param models        model names it reports, normalized (see {@code ModelNames})
 * @param loadedModels  models loaded in memory
 * @param reportedSlots slots the server reports itself (llama-server {@code total_slots}), or 0
 * @param error         why it is not ready, or empty
 * @param corralMember  whether the endpoint answered as a corral router ({@code X-Corral-Member}); such an
 *                      endpoint is never a backend, whatever else it answers
 */
public record Fingerprint(BackendKind kind, boolean reachable, boolean ready, String version, List<String> models,
    List<String> loadedModels, int reportedSlots, String error, boolean corralMember) {

  public Fingerprint {
    models = List.copyOf(models);
    loadedModels = List.copyOf(loadedModels);
  }

  /** A fingerprint of something that is not a corral member. */
  public Fingerprint(BackendKind kind, boolean reachable, boolean ready, String version, List<String> models,
      List<String> loadedModels, int reportedSlots, String error) {
    this(kind, reachable, ready, version, models, loadedModels, reportedSlots, error, false);
  }

  public static Fingerprint unreachable(String error) {
    return new Fingerprint(BackendKind.UNKNOWN, false, false, "", List.of(), List.of(), 0, error);
  }

  public static Fingerprint refused(BackendKind kind, String error) {
    return new Fingerprint(kind, true, false, "", List.of(), List.of(), 0, error);
  }

  /** An endpoint that answered as corral member {@code member}: reachable, but never a backend. */
  public static Fingerprint corralMember(String member) {
    return new Fingerprint(BackendKind.UNKNOWN, true, false, "", List.of(), List.of(), 0,
        "it is a corral member (" + member + "), not a backend", true);
  }
}
