package io.corral.cluster.ledger;

import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * Creates the ledger's serializable types by id. Registered in every member's config; ids never change meaning
 * (members of different versions must agree).
 */
public final class LedgerSerialization implements DataSerializableFactory {

  public static final int FACTORY_ID = 7301;
  static final int POOL_LEDGER = 1;
  static final int ACQUIRE = 2;
  static final int RELEASE = 3;
  static final int SET_CAPACITY = 4;
  static final int PURGE_MEMBER = 5;
  static final int HOLDINGS = 6;
  static final int SNAPSHOT = 7;
  static final int REASSERT = 8;
  static final int BACKUP = 9;
  static final int CLAIM_LEADERSHIP = 10;
  static final int ALLOW_COLD = 11;
  static final int FOUND = 12;
  static final int TICK = 13;

  @Override
  public IdentifiedDataSerializable create(int classId) {
    return switch (classId) {
      case POOL_LEDGER -> new PoolLedger();
      case ACQUIRE -> new LedgerOps.Acquire();
      case RELEASE -> new LedgerOps.Release();
      case SET_CAPACITY -> new LedgerOps.SetCapacity();
      case PURGE_MEMBER -> new LedgerOps.PurgeMember();
      case HOLDINGS -> new LedgerOps.Holdings();
      case SNAPSHOT -> new LedgerOps.Snapshot();
      case REASSERT -> new LedgerOps.Reassert();
      case BACKUP -> new LedgerOps.Backup<>();
      case CLAIM_LEADERSHIP -> new LedgerOps.ClaimLeadership();
      case ALLOW_COLD -> new LedgerOps.AllowCold();
      case FOUND -> new LedgerOps.Found();
      case TICK -> new LedgerOps.Tick();
      default -> throw new IllegalArgumentException("unknown ledger class id " + classId);
    };
  }
}
