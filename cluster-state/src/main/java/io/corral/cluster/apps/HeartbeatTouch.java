package io.corral.cluster.apps;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.corral.cluster.wire.WireFrame;
import io.corral.cluster.wire.WireVersion;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An app's heartbeat on the entry's partition: refreshes the time and the time-to-live of an existing entry, does
 * nothing for a missing one (so a heartbeat racing an unregister never brings the app back). The time comes from
 * the caller so a re-run on a backup gives the same result. Identified serialization: nothing of corral's crosses
 * members by Java serialization, which the members' filter refuses.
 */
final class HeartbeatTouch implements EntryProcessor<String, RegisteredApp, RegisteredApp>,
    IdentifiedDataSerializable {

  /** The factory of the app registry's shared types; ids never change meaning. */
  static final int FACTORY_ID = 7302;
  static final int CLASS_ID = 1;

  private long nowMillis;
  private long ttlMillis;

  HeartbeatTouch() {}

  HeartbeatTouch(long nowMillis, long ttlMillis) {
    this.nowMillis = nowMillis;
    this.ttlMillis = ttlMillis;
  }

  @Override
  public RegisteredApp process(Map.Entry<String, RegisteredApp> entry) {
    RegisteredApp app = entry.getValue();
    if (app == null) {
      return null;
    }
    RegisteredApp touched = app.touchedAt(nowMillis);
    ((ExtendedMapEntry<String, RegisteredApp>) entry).setValue(touched, ttlMillis, TimeUnit.MILLISECONDS);
    return touched;
  }

  @Override
  public int getFactoryId() {
    return FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return CLASS_ID;
  }

  /** Framed ({@link WireFrame}); its fields have been there since the first version. */
  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    WireFrame.write(out, WireVersion.V1, body -> {
      body.writeLong(nowMillis);
      body.writeLong(ttlMillis);
    });
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    WireFrame.read(in, body -> {
      nowMillis = body.readLong();
      ttlMillis = body.readLong();
    });
  }

  /** Creates the app registry's identified types by id (registered in every member's config). */
  static final class Factory implements DataSerializableFactory {
    @Override
    public IdentifiedDataSerializable create(int classId) {
      return classId == CLASS_ID ? new HeartbeatTouch() : null;
    }
  }
}
