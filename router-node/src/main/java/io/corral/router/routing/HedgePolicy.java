package io.corral.router.routing;

import io.corral.cluster.backends.ModelNames;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * When a request gets a second copy on another backend (hedging, off by default): if no first byte came within
 * {@code after}, a second eligible backend has a free slot and nobody waits in the cluster-wide queue. The first
 * copy to answer wins; the other is cancelled.
 *
 * @param after  how long the first copy may go without a first byte; zero = hedging off
 * @param models the models hedged (normalized names); empty = every model
 */
public record HedgePolicy(Duration after, Set<String> models) {

  public static final HedgePolicy OFF = new HedgePolicy(Duration.ZERO, Set.of());

  public HedgePolicy {
    if (after == null || after.isNegative()) {
      throw new IllegalArgumentException("hedge delay must be zero (off) or positive");
    }
    models = Set.copyOf(models);
  }

  /** From config: a delay and a list of model names as users write them ({@code llama3} = {@code llama3:latest}). */
  public static HedgePolicy of(Duration after, List<String> models) {
    return new HedgePolicy(after, models.stream().map(ModelNames::normalize).collect(Collectors.toSet()));
  }

  /** Whether requests for this (normalized) model are hedged. */
  public boolean appliesTo(String model) {
    return !after.isZero() && (models.isEmpty() || models.contains(model));
  }
}
