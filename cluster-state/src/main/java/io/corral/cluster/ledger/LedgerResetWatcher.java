package io.corral.cluster.ledger;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.MapClearedListener;
import com.hazelcast.map.listener.MapEvictedListener;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices the events after which the ledger may have forgotten live requests: this member merged into another
 * cluster after a split (it then has a new member UUID); the ledger's data was lost with its partition (its owner
 * and every backup copy died); or the ledger entry was made, removed, evicted or the map cleared. A new entry is
 * rebuilding ({@link LedgerIncarnation}) and grants nothing until members re-assert, so they are told at once.
 * The entry listener takes no values and no updates (those come with every request); a replaced entry, which sends
 * only an update, is caught by the members' reconciliation through its incarnation. Listeners re-assert what they
 * hold; they run on Hazelcast event threads and must not block.
 */
public final class LedgerResetWatcher {

  private static final Logger log = LoggerFactory.getLogger(LedgerResetWatcher.class);

  private final HazelcastInstance hazelcast;
  private final IMap<String, PoolLedger> ledgerMap;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final String pool;
  private UUID lifecycleRegistration;
  private UUID partitionRegistration;
  private UUID entryRegistration;

  public LedgerResetWatcher(HazelcastInstance hazelcast, SlotLedger ledger) {
    this.hazelcast = hazelcast;
    this.ledgerMap = hazelcast.getMap(SlotLedger.MAP_NAME);
    this.pool = ledger.pool();
    int ledgerPartition = ledger.partitionId();
    lifecycleRegistration = hazelcast.getLifecycleService().addLifecycleListener(e -> {
      if (e.getState() == LifecycleEvent.LifecycleState.MERGED) {
        log.warn("event=cluster_merged member={} action=reassert_leases",
            hazelcast.getCluster().getLocalMember().getUuid());
        fire();
      }
    });
    // the map's own listener: it fires only when the ledger's data is gone (its owner and all its backups)
    partitionRegistration = ledgerMap.addPartitionLostListener(e -> {
      if (e.getPartitionId() == ledgerPartition) {
        log.warn("event=ledger_partition_lost partition={} action=reassert_leases", e.getPartitionId());
        fire();
      }
    });
    entryRegistration = ledgerMap.addEntryListener(new EntryChanges(), false);
  }

  public void onReset(Runnable listener) {
    listeners.add(listener);
  }

  private void fire() {
    for (Runnable r : listeners) {
      try {
        r.run();
      } catch (RuntimeException ex) {
        log.warn("event=reassert_failed error={}", ex.toString(), ex);
      }
    }
  }

  public void close() {
    try {
      hazelcast.getLifecycleService().removeLifecycleListener(lifecycleRegistration);
      ledgerMap.removePartitionLostListener(partitionRegistration);
      ledgerMap.removeEntryListener(entryRegistration);
    } catch (RuntimeException ignored) {
      // instance gone
    }
  }

  /** The pool's entry made, gone, or every entry gone: whatever the ledger knew of running requests is lost. */
  private final class EntryChanges implements EntryAddedListener<String, PoolLedger>,
      EntryRemovedListener<String, PoolLedger>, EntryEvictedListener<String, PoolLedger>,
      EntryExpiredListener<String, PoolLedger>, MapClearedListener, MapEvictedListener {

    @Override
    public void entryAdded(EntryEvent<String, PoolLedger> e) {
      onEntry(e, "made");
    }

    @Override
    public void entryRemoved(EntryEvent<String, PoolLedger> e) {
      onEntry(e, "removed");
    }

    @Override
    public void entryEvicted(EntryEvent<String, PoolLedger> e) {
      onEntry(e, "evicted");
    }

    @Override
    public void entryExpired(EntryEvent<String, PoolLedger> e) {
      onEntry(e, "expired");
    }

    @Override
    public void mapCleared(MapEvent e) {
      onMap("cleared");
    }

    @Override
    public void mapEvicted(MapEvent e) {
      onMap("evicted");
    }

    private void onEntry(EntryEvent<String, PoolLedger> e, String what) {
      if (pool.equals(e.getKey())) {
        // "made" is also how every member hears of a new cluster's first ledger: re-asserting nothing is cheap
        log.info("event=ledger_entry_changed pool={} change={} action=reassert_leases", pool, what);
        fire();
      }
    }

    private void onMap(String what) {
      log.warn("event=ledger_map_changed change={} action=reassert_leases", what);
      fire();
    }
  }
}
