package io.corral.cluster.apps;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import org.junit.jupiter.api.Test;

/** The app heartbeat's entry processor is framed like the ledger's operations and reads back as written. */
class HeartbeatTouchWireTest {

  @Test
  void theHeartbeatReadsBackAsWritten() {
    InternalSerializationService ss = new DefaultSerializationServiceBuilder()
        .addDataSerializableFactory(HeartbeatTouch.FACTORY_ID, new HeartbeatTouch.Factory()).build();
    HeartbeatTouch touch = new HeartbeatTouch(1_700_000_000_000L, 30_000);
    byte[] once = ss.toData(touch).toByteArray();
    Object copy = ss.toObject(ss.toData(touch));
    assertThat(copy).isInstanceOf(HeartbeatTouch.class);
    assertThat(ss.toData(copy).toByteArray()).isEqualTo(once);
    // the frame: version 1, then a block of two longs
    assertThat(once).hasSizeGreaterThan(16);
  }
}
