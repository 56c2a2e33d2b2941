package io.corral.cluster.ledger;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Which free backend a request gets: its conversation's last backend while that one is free (its prompt is still
 * cached there), else a backend where the model is loaded, else any; among those, the request's {@link Strategy}.
 * This is where a new strategy plugs in.
 *
 * <p>Deterministic, so every replica that applies the same operation picks the same: a {@code RANDOM} pick uses
 * the number the caller drew, and {@code ROUND_ROBIN} and {@code LEAST_LOADED} ties advance a rotation counter that
 * is part of the ledger. Part of a {@link PoolLedger}: not thread-safe.
 */
final class Placement {

  private long rotation;

  /**
   * @param free   candidates with a usable slot, in backend order (not empty)
   * @param cold   candidates where the model is not loaded
   * @param load   a backend's leases per slot
   */
  String choose(List<String> free, List<String> cold, Strategy strategy, long randomDraw, Conversation c,
      Conversations conversations, ToDoubleFunction<String> load) {
    if (c.prefer()) {
      // unless the model was unloaded there and is loaded on another free one: the cache is gone then anyway
      String last = conversations.lastBackendOf(c);
      if (last != null && free.contains(last) && (!cold.contains(last) || cold.containsAll(free))) {
        return last;
      }
    }
    if (!cold.isEmpty()) {
      List<String> warm = free.stream().filter(id -> !cold.contains(id)).toList();
      if (!warm.isEmpty()) {
        return pick(warm, strategy, randomDraw, load);
      }
    }
    return pick(free, strategy, randomDraw, load);
  }

  private String pick(List<String> free, Strategy strategy, long randomDraw, ToDoubleFunction<String> load) {
    return switch (strategy) {
      case RANDOM -> free.get((int) Math.floorMod(randomDraw, (long) free.size()));
      case ROUND_ROBIN -> free.get((int) Math.floorMod(rotation++, (long) free.size()));
      case LEAST_LOADED -> {
        double best = Double.MAX_VALUE;
        List<String> ties = new ArrayList<>();
        for (String id : free) {
          double l = load.applyAsDouble(id);
          if (l < best - 1e-9) {
            best = l;
            ties.clear();
            ties.add(id);
          } else if (Math.abs(l - best) <= 1e-9) {
            ties.add(id);
          }
        }
        yield ties.get((int) Math.floorMod(rotation++, (long) ties.size()));
      }
    };
  }

  long rotation() {
    return rotation;
  }

  /** As read from another member's copy. */
  void restore(long rotation) {
    this.rotation = rotation;
  }
}
