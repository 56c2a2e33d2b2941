package io.corral.router.routing;

import io.corral.cluster.backends.BackendState;
import io.corral.discovery.fingerprint.BackendFingerprinter;
import io.corral.router.time.Ticker;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Asks a backend's health probe whether it is well, when one of its failures cannot be told apart from a bad
 * request (it was the only backend that could take the request). At most one probe per backend runs at a time and
 * its answer is reused for {@link #REUSE}, so a flood of bad requests costs one probe per backend, not one each.
 * Thread-safe; call from an event loop.
 */
public final class HealthRecheck {

  static final Duration REUSE = Duration.ofSeconds(2);

  private final BackendFingerprinter fingerprinter;
  private final Ticker ticker;
  private final Map<String, Check> recent = new ConcurrentHashMap<>();

  private record Check(Future<Boolean> healthy, long atNanos) {}

  public HealthRecheck(BackendFingerprinter fingerprinter) {
    this(fingerprinter, Ticker.SYSTEM);
  }

  public HealthRecheck(BackendFingerprinter fingerprinter, Ticker ticker) {
    this.fingerprinter = fingerprinter;
    this.ticker = ticker;
  }

  /** Whether {@code backend}'s probe finds it reachable and ready. Never fails. */
  public Future<Boolean> healthy(BackendState backend) {
    long now = ticker.nanoTime();
    Check c = recent.compute(backend.id(), (id, known) -> known != null && (!known.healthy().isComplete()
        || now - known.atNanos() < REUSE.toNanos()) ? known : new Check(fingerprinter.probe(backend.backendId(),
        backend.kind(), backend.origin()).map(fp -> fp.reachable() && fp.ready()).otherwise(false), now));
    if (recent.size() > 4096) {
      recent.entrySet().removeIf(e -> e.getValue().healthy().isComplete());
    }
    return c.healthy();
  }
}
