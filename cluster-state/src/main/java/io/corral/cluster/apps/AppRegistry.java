package io.corral.cluster.apps;

import com.hazelcast.config.Config;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.corral.cluster.wire.SharedEntries;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The cluster-wide registry of applications ({@value #MAP_NAME}). Every registration and heartbeat rewrites the
 * entry with a time-to-live of {@code removeAfter}, so an app that stops sending heartbeats disappears from the
 * whole cluster without anyone running a sweeper; "stale" (missed heartbeats, not yet removed) is judged from
 * {@link RegisteredApp#lastHeartbeatMillis()} when the registry is read. Reads come from a local view kept by an
 * entry listener.
 *
 * <p>Thread-safety: safe from any thread. {@link #start()} blocks (call it off the event loop); the writes return
 * Hazelcast's async stages and never block; listeners run on Hazelcast event threads and must not block.
 */
public final class AppRegistry implements AutoCloseable {

  public static final String MAP_NAME = "corral.apps";

  /** What a listener hears about: the app and whether it is gone (unregistered or expired). */
  public record Change(RegisteredApp app, boolean removed, boolean expired) {}

  private final IMap<String, RegisteredApp> map;
  private final SharedEntries<RegisteredApp> entries = new SharedEntries<>(MAP_NAME, RegisteredApp.class);
  private final Duration removeAfter;
  private final Map<String, RegisteredApp> view = new ConcurrentHashMap<>();
  private final List<Consumer<Change>> listeners = new CopyOnWriteArrayList<>();
  private volatile UUID registration;

  /** @param removeAfter how long after its last heartbeat an app is removed cluster-wide */
  public AppRegistry(HazelcastInstance hazelcast, Duration removeAfter) {
    if (removeAfter.isNegative() || removeAfter.isZero()) {
      throw new IllegalArgumentException("removeAfter must be positive");
    }
    this.map = hazelcast.getMap(MAP_NAME);
    this.removeAfter = removeAfter;
  }

  /** Subscribes and loads the current registry. Blocking. */
  public AppRegistry start() {
    registration = map.addEntryListener(new Listener(), true);
    entries.loadAll(map).forEach(view::putIfAbsent);
    return this;
  }

  /** Registers (or re-registers, keeping the first registration time) an app. */
  public CompletionStage<Void> register(RegisteredApp app) {
    RegisteredApp known = view.get(app.name());
    RegisteredApp stored = known == null ? app : new RegisteredApp(app.name(), app.version(), app.kind(),
        app.dashboardUrl(), app.member(), known.registeredAtMillis(), app.lastHeartbeatMillis());
    view.put(app.name(), stored);
    return map.setAsync(app.name(), stored, removeAfter.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Records a heartbeat. Completes with the updated app, or empty when the app is not registered (one atomic step
   * on the entry, so a heartbeat racing an unregister never brings the app back).
   */
  public CompletionStage<Optional<RegisteredApp>> heartbeat(String name, long nowMillis) {
    return map.submitToKey(name, new HeartbeatTouch(nowMillis, removeAfter.toMillis())).thenApply(Optional::ofNullable);
  }

  /** Removes an app; completes with whether it was registered. */
  public CompletionStage<Boolean> unregister(String name) {
    view.remove(name);
    return map.removeAsync(name).thenApply(previous -> previous != null);
  }

  /** Every app not yet removed, from the local view. */
  public Collection<RegisteredApp> all() {
    return List.copyOf(view.values());
  }

  public Optional<RegisteredApp> get(String name) {
    return Optional.ofNullable(view.get(name));
  }

  /** Called on every change this member sees (its own writes and other members'). Must not block. */
  public void onChange(Consumer<Change> listener) {
    listeners.add(listener);
  }

  private void notifyListeners(Change change) {
    for (Consumer<Change> l : listeners) {
      l.accept(change);
    }
  }

  @Override
  public void close() {
    UUID id = registration;
    if (id != null) {
      try {
        map.removeEntryListener(id);
      } catch (RuntimeException ignored) {
        // the instance may already be gone
      }
    }
  }

  private final class Listener implements EntryAddedListener<String, RegisteredApp>,
      EntryUpdatedListener<String, RegisteredApp>, EntryRemovedListener<String, RegisteredApp>,
      EntryExpiredListener<String, RegisteredApp> {

    @Override
    public void entryAdded(EntryEvent<String, RegisteredApp> e) {
      entries.valueOf(e).ifPresent(this::apply);
    }

    @Override
    public void entryUpdated(EntryEvent<String, RegisteredApp> e) {
      entries.valueOf(e).ifPresent(this::apply);
    }

    @Override
    public void entryRemoved(EntryEvent<String, RegisteredApp> e) {
      gone(e, false);
    }

    @Override
    public void entryExpired(EntryEvent<String, RegisteredApp> e) {
      gone(e, true);
    }

    private void apply(RegisteredApp app) {
      if (app != null) {
        view.put(app.name(), app);
        notifyListeners(new Change(app, false, false));
      }
    }

    private void gone(EntryEvent<String, RegisteredApp> e, boolean expired) {
      view.remove(e.getKey());
      RegisteredApp last = entries.oldValueOf(e).orElse(null);
      notifyListeners(new Change(last != null ? last
          : new RegisteredApp(e.getKey(), "", "", "", "", 0, 0), true, expired));
    }
  }

  /** Registers the registry's identified types in a member's config. */
  public static void configure(Config c) {
    c.getSerializationConfig().addDataSerializableFactory(HeartbeatTouch.FACTORY_ID, new HeartbeatTouch.Factory());
  }
}
