package io.corral.cluster.backends;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.corral.cluster.wire.SharedEntries;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The cluster-wide table of backends ({@value #MAP_NAME}). Writes go to Hazelcast asynchronously; reads come
 * from a local view kept current by an entry listener, so the request path never waits on the cluster to learn
 * which backends exist (a near cache would be wrong for data that changes this often, see design.md).
 *
 * <p>Thread-safety: safe from any thread. {@link #start()} blocks and must run off the event loop; the rest
 * never blocks.
 */
public final class BackendRegistry implements AutoCloseable {

  public static final String MAP_NAME = "corral.backends";

  private final IMap<String, BackendState> map;
  private final SharedEntries<BackendState> entries = new SharedEntries<>(MAP_NAME, BackendState.class);
  private final Map<String, BackendState> view = new ConcurrentHashMap<>();
  private final List<Consumer<BackendState>> listeners = new CopyOnWriteArrayList<>();
  private volatile UUID listenerId;

  public BackendRegistry(HazelcastInstance hazelcast) {
    this.map = hazelcast.getMap(MAP_NAME);
  }

  /** Subscribes to changes and loads the current table. Blocking: call from a worker thread. */
  public BackendRegistry start() {
    listenerId = map.addEntryListener(new Listener(), true);
    entries.loadAll(map).forEach(view::putIfAbsent);
    return this;
  }

  /** Writes (or replaces) a backend's state cluster-wide. The local view updates at once. */
  public CompletionStage<Void> publish(BackendState state) {
    view.put(state.id(), state);
    notifyListeners(state);
    return map.setAsync(state.id(), state);
  }

  /** Removes a backend cluster-wide. */
  public CompletionStage<Void> remove(String id) {
    view.remove(id);
    return map.deleteAsync(id).thenApply(ignored -> null);
  }

  /** Every known backend, from the local view. */
  public Collection<BackendState> all() {
    return List.copyOf(view.values());
  }

  public Optional<BackendState> get(String id) {
    return Optional.ofNullable(view.get(id));
  }

  /** Called on every state change seen by this member (its own writes and other members'). Must not block. */
  public void onChange(Consumer<BackendState> listener) {
    listeners.add(listener);
  }

  private void notifyListeners(BackendState state) {
    for (Consumer<BackendState> l : listeners) {
      l.accept(state);
    }
  }

  @Override
  public void close() {
    UUID id = listenerId;
    if (id != null) {
      try {
        map.removeEntryListener(id);
      } catch (RuntimeException ignored) {
        // the instance may already be gone
      }
    }
  }

  private final class Listener implements EntryAddedListener<String, BackendState>,
      EntryUpdatedListener<String, BackendState>, EntryRemovedListener<String, BackendState> {

    @Override
    public void entryAdded(EntryEvent<String, BackendState> event) {
      entries.valueOf(event).ifPresent(v -> apply(event.getKey(), v));
    }

    @Override
    public void entryUpdated(EntryEvent<String, BackendState> event) {
      entries.valueOf(event).ifPresent(v -> apply(event.getKey(), v));
    }

    @Override
    public void entryRemoved(EntryEvent<String, BackendState> event) {
      view.remove(event.getKey());
    }

    private void apply(String key, BackendState value) {
      if (value == null) {
        return;
      }
      BackendState before = view.put(key, value);
      if (!value.equals(before)) {
        notifyListeners(value);
      }
    }
  }
}
