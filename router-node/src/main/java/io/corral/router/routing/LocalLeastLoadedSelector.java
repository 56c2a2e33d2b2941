package io.corral.router.routing;

import io.corral.cluster.backends.BackendState;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Picks the candidate with the fewest of this member's in-flight requests relative to its slots, rotating among
 * ties. It knows only this member's load and does not cap at the backend's slots; the cluster-wide slot ledger
 * replaces it (it is the "independent balancer" baseline the ledger is measured against).
 */
public final class LocalLeastLoadedSelector implements BackendSelector {

  private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
  private final AtomicLong rotation = new AtomicLong();

  @Override
  public Future<SlotLease> acquire(RouteRequest request) {
    List<BackendState> candidates = request.candidates();
    int n = candidates.size();
    int start = (int) Math.floorMod(rotation.getAndIncrement(), (long) n);
    BackendState best = null;
    double bestLoad = Double.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      BackendState b = candidates.get((start + i) % n);
      double load = counter(b.id()).get() / (double) Math.max(1, b.slots());
      if (load < bestLoad) {
        best = b;
        bestLoad = load;
      }
    }
    AtomicInteger counter = counter(best.id());
    counter.incrementAndGet();
    BackendState chosen = best;
    AtomicBoolean released = new AtomicBoolean();
    return Future.succeededFuture(new SlotLease() {
      @Override
      public BackendState backend() {
        return chosen;
      }

      @Override
      public void release() {
        if (released.compareAndSet(false, true)) {
          counter.decrementAndGet();
        }
      }
    });
  }

  @Override
  public int inFlight(String backendId) {
    AtomicInteger c = inFlight.get(backendId);
    return c == null ? 0 : c.get();
  }

  private AtomicInteger counter(String id) {
    return inFlight.computeIfAbsent(id, k -> new AtomicInteger());
  }
}
