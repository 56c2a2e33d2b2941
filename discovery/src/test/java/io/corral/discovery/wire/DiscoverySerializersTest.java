package io.corral.discovery.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import io.corral.cluster.ClusterSettings;
import io.corral.cluster.CorralMember;
import io.corral.cluster.MemberIdentity;
import io.corral.discovery.rpc.CoordinatorWatch;
import io.corral.discovery.scan.ScanStatus;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** Discovery's shared values read back as written through a member's serialization (explicit Compact). */
class DiscoverySerializersTest {

  @Test
  void coordinatorSightingsAndTheScanStatusReadBackAsWritten() {
    int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
    CorralMember m = CorralMember.start(ClusterSettings.forTests("t-" + UUID.randomUUID(), port,
        List.of("127.0.0.1:" + port)), new MemberIdentity("m", "http://127.0.0.1:9", 0), DiscoverySerializers.all());
    try {
      SerializationService ss = ((SerializationServiceSupport) m.hazelcast()).getSerializationService();
      CoordinatorWatch.Seen seen = new CoordinatorWatch.Seen("m-1", 4242, "127.0.0.1:8081",
          new String[] {"192.0.2.5:50052", "192.0.2.6:50052"}, 99);
      CoordinatorWatch.Seen seenBack = ss.toObject(ss.toData(seen));
      assertThat(seenBack).usingRecursiveComparison().isEqualTo(seen);
      ScanStatus scan = new ScanStatus("m-1", 3, 10, 20, 10, 512, 4, new String[] {"http://192.0.2.7:11434"},
          new String[] {"192.0.2.5:50052"}, new String[0], new String[] {"192.0.2.9:8000"});
      ScanStatus scanBack = ss.toObject(ss.toData(scan));
      assertThat(scanBack).usingRecursiveComparison().isEqualTo(scan);
    } finally {
      m.terminate();
    }
  }
}
