package io.corral.router.routing;

import io.corral.cluster.ledger.Strategy;
import java.time.Duration;

/**
 * The bounds and defaults of the cluster-wide queue.
 *
 * @param maxDepth        waiting requests allowed cluster-wide; over it new ones get 429
 * @param maxWait         how long a request may wait for a slot before it gets 503
 * @param agingCredit     how many later arrivals one priority level may overtake
 * @param defaultStrategy used when a request does not name one
 * @param reconcileEvery  how often this member compares the ledger's view of its requests with its live ones
 * @param coldLoadsPerBackend requests that may load a model on one backend at once (0 = no cap)
 * @param coldWait        how long a request holds out for a backend with its model loaded before it loads the
 *                        model on a free one, while the model's load time is not known yet (0 = never hold out)
 */
public record QueueSettings(int maxDepth, Duration maxWait, int agingCredit, Strategy defaultStrategy,
    Duration reconcileEvery, int coldLoadsPerBackend, Duration coldWait) {

  /** Never holding out for a warm backend. */
  public QueueSettings(int maxDepth, Duration maxWait, int agingCredit, Strategy defaultStrategy,
      Duration reconcileEvery, int coldLoadsPerBackend) {
    this(maxDepth, maxWait, agingCredit, defaultStrategy, reconcileEvery, coldLoadsPerBackend, Duration.ZERO);
  }

  /** Without a cold-load cap. */
  public QueueSettings(int maxDepth, Duration maxWait, int agingCredit, Strategy defaultStrategy,
      Duration reconcileEvery) {
    this(maxDepth, maxWait, agingCredit, defaultStrategy, reconcileEvery, 0);
  }

  public QueueSettings {
    if (maxDepth < 0) {
      throw new IllegalArgumentException("queue max depth must be >= 0");
    }
    if (maxWait.isNegative() || maxWait.isZero()) {
      throw new IllegalArgumentException("queue max wait must be positive");
    }
    if (agingCredit < 0) {
      throw new IllegalArgumentException("aging credit must be >= 0");
    }
    if (coldLoadsPerBackend < 0) {
      throw new IllegalArgumentException("cold loads per backend must be >= 0");
    }
    if (coldWait.isNegative()) {
      throw new IllegalArgumentException("cold wait must not be negative");
    }
  }
}
