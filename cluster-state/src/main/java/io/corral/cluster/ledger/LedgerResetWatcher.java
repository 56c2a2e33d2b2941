package io.corral.cluster.ledger;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices the two events after which the ledger may have forgotten live requests: this member merged into
 * another cluster after a split (it then has a new member UUID), or the ledger's data was lost with its partition
 * (its owner and every backup copy died). Listeners re-assert what they hold; they run on Hazelcast event threads and must not block.
 */
public final class LedgerResetWatcher {

  private static final Logger log = LoggerFactory.getLogger(LedgerResetWatcher.class);

  private final HazelcastInstance hazelcast;
  private final IMap<String, PoolLedger> ledgerMap;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private UUID lifecycleRegistration;
  private UUID partitionRegistration;

  public LedgerResetWatcher(HazelcastInstance hazelcast, SlotLedger ledger) {
    this.hazelcast = hazelcast;
    this.ledgerMap = hazelcast.getMap(SlotLedger.MAP_NAME);
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
    } catch (RuntimeException ignored) {
      // instance gone
    }
  }
}
