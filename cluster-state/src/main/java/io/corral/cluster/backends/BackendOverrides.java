package io.corral.cluster.backends;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.corral.cluster.wire.SharedEntries;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What operators changed through the admin API, shared by every member: backends added at runtime
 * ({@value #ADDED_MAP}, id -> the {@code URL[;slots=N][;kind=K]} text) and backends being drained
 * ({@value #DRAINED_MAP}). Every member keeps a local view fed by entry listeners, so the request path and the
 * probes read it without waiting on the cluster, and hears of every change (its own and other members').
 *
 * <p>Thread-safety: safe from any thread. {@link #start()} blocks and must run off the event loop; listeners run
 * on Hazelcast event threads and must not block.
 */
public final class BackendOverrides implements AutoCloseable {

  public static final String ADDED_MAP = "corral.admin.backends";
  public static final String DRAINED_MAP = "corral.admin.drained";

  private final IMap<String, String> added;
  private final IMap<String, Boolean> drained;
  private final Map<String, String> addedView = new ConcurrentHashMap<>();
  private final Map<String, Boolean> drainedView = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<Consumer<String>> addedListeners = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<Consumer<String>> removedListeners = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<Consumer<String>> drainListeners = new CopyOnWriteArrayList<>();
  private UUID addedRegistration;
  private UUID drainedRegistration;

  public BackendOverrides(HazelcastInstance hazelcast) {
    this.added = hazelcast.getMap(ADDED_MAP);
    this.drained = hazelcast.getMap(DRAINED_MAP);
  }

  /** Subscribes and loads the current state. Blocking. */
  public BackendOverrides start() {
    SharedEntries<String> addedEntries = new SharedEntries<>(ADDED_MAP, String.class);
    SharedEntries<Boolean> drainedEntries = new SharedEntries<>(DRAINED_MAP, Boolean.class);
    addedRegistration = added.addEntryListener(new Listener<>(addedView, addedEntries, addedListeners,
        removedListeners), true);
    drainedRegistration = drained.addEntryListener(new Listener<>(drainedView, drainedEntries, drainListeners,
        drainListeners), true);
    addedView.putAll(addedEntries.loadAll(added));
    drainedView.putAll(drainedEntries.loadAll(drained));
    return this;
  }

  public CompletionStage<Void> add(String backendId, String specText) {
    addedView.put(backendId, specText);
    return added.setAsync(backendId, specText);
  }

  public CompletionStage<Void> removeAdded(String backendId) {
    addedView.remove(backendId);
    return added.deleteAsync(backendId).thenApply(ignored -> null);
  }

  public CompletionStage<Void> drain(String backendId) {
    drainedView.put(backendId, true);
    drainListeners.forEach(l -> l.accept(backendId));
    return drained.setAsync(backendId, true);
  }

  public CompletionStage<Void> enable(String backendId) {
    drainedView.remove(backendId);
    drainListeners.forEach(l -> l.accept(backendId));
    return drained.deleteAsync(backendId).thenApply(ignored -> null);
  }

  public boolean isDrained(String backendId) {
    return drainedView.containsKey(backendId);
  }

  /** The spec text of a backend added through the admin API. */
  public Optional<String> added(String backendId) {
    return Optional.ofNullable(addedView.get(backendId));
  }

  public Map<String, String> allAdded() {
    return Map.copyOf(addedView);
  }

  public void onAdded(Consumer<String> listener) {
    addedListeners.add(listener);
  }

  public void onRemoved(Consumer<String> listener) {
    removedListeners.add(listener);
  }

  /** Called with the backend id when it is drained or enabled. */
  public void onDrainChanged(Consumer<String> listener) {
    drainListeners.add(listener);
  }

  @Override
  public void close() {
    try {
      if (addedRegistration != null) {
        added.removeEntryListener(addedRegistration);
      }
      if (drainedRegistration != null) {
        drained.removeEntryListener(drainedRegistration);
      }
    } catch (RuntimeException ignored) {
      // the instance may already be gone
    }
  }

  private static final class Listener<V> implements EntryAddedListener<String, V>, EntryUpdatedListener<String, V>,
      EntryRemovedListener<String, V> {
    private final Map<String, V> view;
    private final SharedEntries<V> entries;
    private final CopyOnWriteArrayList<Consumer<String>> onSet;
    private final CopyOnWriteArrayList<Consumer<String>> onRemoved;

    Listener(Map<String, V> view, SharedEntries<V> entries, CopyOnWriteArrayList<Consumer<String>> onSet,
        CopyOnWriteArrayList<Consumer<String>> onRemoved) {
      this.view = view;
      this.entries = entries;
      this.onSet = onSet;
      this.onRemoved = onRemoved;
    }

    @Override
    public void entryAdded(EntryEvent<String, V> e) {
      entries.valueOf(e).ifPresent(v -> {
        view.put(e.getKey(), v);
        onSet.forEach(l -> l.accept(e.getKey()));
      });
    }

    @Override
    public void entryUpdated(EntryEvent<String, V> e) {
      entryAdded(e);
    }

    @Override
    public void entryRemoved(EntryEvent<String, V> e) {
      view.remove(e.getKey());
      onRemoved.forEach(l -> l.accept(e.getKey()));
    }
  }
}
