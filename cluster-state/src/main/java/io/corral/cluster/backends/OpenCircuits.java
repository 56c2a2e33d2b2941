package io.corral.cluster.backends;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.corral.cluster.wire.SharedEntries;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Backends whose circuit breaker is open somewhere in the cluster ({@value #MAP_NAME}): while open, no member
 * sends them new requests. A member opens a circuit when its own breaker trips on the failures it saw; the entry
 * carries its end time and expires with it, which starts the half-open trial on every member at once. Reads come
 * from a local view fed by an entry listener and compared with the clock, so the request path never waits on
 * the cluster and an expiry that Hazelcast reports late changes nothing.
 *
 * <p>Thread-safety: safe from any thread. {@link #start()} blocks; the rest never blocks.
 */
public final class OpenCircuits implements AutoCloseable {

  public static final String MAP_NAME = "corral.circuits";

  /** Why and until when a backend's circuit is open. */
  public record OpenCircuit(String openedBy, long openedAtMillis, long untilMillis, String reason) {}

  private final IMap<String, OpenCircuit> map;
  private final SharedEntries<OpenCircuit> entries = new SharedEntries<>(MAP_NAME, OpenCircuit.class);
  private final InstantSource clock;
  private final Map<String, OpenCircuit> view = new ConcurrentHashMap<>();
  private UUID registration;

  public OpenCircuits(HazelcastInstance hazelcast, InstantSource clock) {
    this.map = hazelcast.getMap(MAP_NAME);
    this.clock = clock;
  }

  /** Subscribes and loads the current state. Blocking. */
  public OpenCircuits start() {
    registration = map.addEntryListener(new Listener(), true);
    view.putAll(entries.loadAll(map));
    return this;
  }

  /** Opens the backend's circuit cluster-wide for {@code coolDown}. */
  public CompletionStage<Void> open(String backendId, String openedBy, String reason, Duration coolDown) {
    long now = clock.millis();
    OpenCircuit c = new OpenCircuit(openedBy, now, now + coolDown.toMillis(), reason);
    view.put(backendId, c);
    return map.setAsync(backendId, c, Math.max(1, coolDown.toMillis()), TimeUnit.MILLISECONDS);
  }

  /** Closes it early (a trial succeeded). */
  public CompletionStage<Void> close(String backendId) {
    view.remove(backendId);
    return map.deleteAsync(backendId).thenApply(ignored -> null);
  }

  public boolean isOpen(String backendId) {
    return current(backendId).isPresent();
  }

  /** The open circuit of a backend, if it is open now. */
  public Optional<OpenCircuit> current(String backendId) {
    OpenCircuit c = view.get(backendId);
    return c != null && clock.millis() < c.untilMillis() ? Optional.of(c) : Optional.empty();
  }

  @Override
  public void close() {
    if (registration != null) {
      try {
        map.removeEntryListener(registration);
      } catch (RuntimeException ignored) {
        // the instance may already be gone
      }
    }
  }

  private final class Listener implements EntryAddedListener<String, OpenCircuit>,
      EntryUpdatedListener<String, OpenCircuit>, EntryRemovedListener<String, OpenCircuit> {
    @Override
    public void entryAdded(EntryEvent<String, OpenCircuit> e) {
      entries.valueOf(e).ifPresent(v -> view.put(e.getKey(), v));
    }

    @Override
    public void entryUpdated(EntryEvent<String, OpenCircuit> e) {
      entryAdded(e);
    }

    @Override
    public void entryRemoved(EntryEvent<String, OpenCircuit> e) {
      view.remove(e.getKey());
    }
  }
}
