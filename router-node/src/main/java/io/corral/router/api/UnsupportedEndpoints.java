package io.corral.router.api;

import io.corral.router.time.Ticker;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Endpoints a backend answered 501 for (a llama-server started without {@code --embeddings} asked for
 * embeddings): that backend is left out of those requests for a while instead of being asked, failing over and
 * delaying each one. The memory fades, so a server restarted with the feature is used again. Member-local: each
 * member learns it from one request. Thread-safe.
 */
final class UnsupportedEndpoints {

  private final Map<String, Long> until = new ConcurrentHashMap<>();
  private final long forgetAfterNanos;
  private final Ticker ticker;

  UnsupportedEndpoints(Duration forgetAfter, Ticker ticker) {
    this.forgetAfterNanos = forgetAfter.toNanos();
    this.ticker = ticker;
  }

  void remember(String backendId, String route) {
    until.put(backendId + ' ' + route, ticker.nanoTime() + forgetAfterNanos);
  }

  boolean lacks(String backendId, String route) {
    if (until.isEmpty()) {
      return false;
    }
    String key = backendId + ' ' + route;
    Long deadline = until.get(key);
    if (deadline == null) {
      return false;
    }
    if (ticker.nanoTime() - deadline > 0) {
      until.remove(key, deadline);
      return false;
    }
    return true;
  }
}
