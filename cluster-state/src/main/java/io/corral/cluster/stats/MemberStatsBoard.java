package io.corral.cluster.stats;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.corral.cluster.wire.SharedEntries;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.List;

/**
 * Where every member posts its own statistics for the dashboard ({@value #MAP_NAME}): one entry per member UUID,
 * rewritten on a short interval with a time-to-live of a few intervals, so a member that stops posting (or dies)
 * drops out by itself. A member that leaves the cluster is also dropped from the local view at once.
 *
 * <p>The value is a JSON document, not a record: it is display data whose shape grows with the dashboard, and a
 * document stays readable between members of different versions during a rolling upgrade.
 *
 * <p>Thread-safety: safe from any thread. {@link #start()} blocks; {@link #post} never does; listeners run on
 * Hazelcast event threads and must not block.
 */
public final class MemberStatsBoard implements AutoCloseable {

  public static final String MAP_NAME = "corral.dashboard.members";

  private final HazelcastInstance hazelcast;
  private final IMap<String, String> map;
  private final SharedEntries<String> entries = new SharedEntries<>(MAP_NAME, String.class);
  private final Map<String, String> view = new ConcurrentHashMap<>();
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
  private volatile UUID entryRegistration;
  private volatile UUID memberRegistration;

  public MemberStatsBoard(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
    this.map = hazelcast.getMap(MAP_NAME);
  }

  /** Subscribes and loads what the other members posted. Blocking. */
  public MemberStatsBoard start() {
    entryRegistration = map.addEntryListener(new Listener(), true);
    memberRegistration = hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        // its first post will arrive through the entry listener
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        String id = e.getMember().getUuid().toString();
        if (view.remove(id) != null) {
          notifyListeners(id);
        }
      }
    });
    entries.loadAll(map).forEach(view::putIfAbsent);
    return this;
  }

  /** Posts this member's document, valid for {@code ttl}. The local view updates at once. */
  public CompletionStage<Void> post(String memberId, String json, Duration ttl) {
    view.put(memberId, json);
    notifyListeners(memberId);
    return map.setAsync(memberId, json, Math.max(1, ttl.toMillis()), TimeUnit.MILLISECONDS);
  }

  /** Every member's last document, keyed by member UUID (local view). */
  public Map<String, String> all() {
    return Map.copyOf(view);
  }

  /** Called with the member UUID whose document changed or went away. Must not block. */
  public void onChange(Consumer<String> listener) {
    listeners.add(listener);
  }

  private void notifyListeners(String memberId) {
    for (Consumer<String> l : listeners) {
      l.accept(memberId);
    }
  }

  @Override
  public void close() {
    try {
      if (entryRegistration != null) {
        map.removeEntryListener(entryRegistration);
      }
      if (memberRegistration != null) {
        hazelcast.getCluster().removeMembershipListener(memberRegistration);
      }
    } catch (RuntimeException ignored) {
      // the instance may already be gone
    }
  }

  private final class Listener implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
      EntryRemovedListener<String, String>, EntryExpiredListener<String, String> {

    @Override
    public void entryAdded(EntryEvent<String, String> e) {
      put(e);
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> e) {
      put(e);
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> e) {
      drop(e);
    }

    @Override
    public void entryExpired(EntryEvent<String, String> e) {
      drop(e);
    }

    private void put(EntryEvent<String, String> e) {
      if (!e.getMember().localMember()) {
        entries.valueOf(e).ifPresent(v -> {
          view.put(e.getKey(), v);
          notifyListeners(e.getKey());
        });
      }
    }

    private void drop(EntryEvent<String, String> e) {
      if (view.remove(e.getKey()) != null) {
        notifyListeners(e.getKey());
      }
    }
  }
}
