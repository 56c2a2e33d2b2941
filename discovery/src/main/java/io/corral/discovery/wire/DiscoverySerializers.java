package io.corral.discovery.wire;

import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;
import io.corral.discovery.rpc.CoordinatorWatch;
import io.corral.discovery.scan.ScanStatus;
import java.util.List;

/**
 * The wire form of what discovery shares between members: coordinator sightings ({@code corral.rpc.coordinators})
 * and the leader's scan status ({@code corral.discovery}). Compact with explicit serializers, like cluster-state's
 * shared values ({@code SharedValueSerializers}); the member that wires everything registers these too.
 * Stateless and thread-safe.
 */
public final class DiscoverySerializers {

  private DiscoverySerializers() {}

  public static List<CompactSerializer<?>> all() {
    return List.of(new SeenSerializer(), new ScanStatusSerializer());
  }

  private static String[] orEmpty(String[] a) {
    return a == null ? new String[0] : a;
  }

  static final class SeenSerializer implements CompactSerializer<CoordinatorWatch.Seen> {
    @Override
    public CoordinatorWatch.Seen read(CompactReader in) {
      return new CoordinatorWatch.Seen(in.readString("member"), in.readInt64("pid"), in.readString("api"),
          orEmpty(in.readArrayOfString("rpcServers")), in.readInt64("seenAtMillis"));
    }

    @Override
    public void write(CompactWriter out, CoordinatorWatch.Seen s) {
      out.writeString("member", s.member());
      out.writeInt64("pid", s.pid());
      out.writeString("api", s.api());
      out.writeArrayOfString("rpcServers", s.rpcServers());
      out.writeInt64("seenAtMillis", s.seenAtMillis());
    }

    @Override
    public String getTypeName() {
      return "corral.CoordinatorSeen";
    }

    @Override
    public Class<CoordinatorWatch.Seen> getCompactClass() {
      return CoordinatorWatch.Seen.class;
    }
  }

  static final class ScanStatusSerializer implements CompactSerializer<ScanStatus> {
    @Override
    public ScanStatus read(CompactReader in) {
      return new ScanStatus(in.readString("leader"), in.readInt64("scans"), in.readInt64("startedAtMillis"),
          in.readInt64("finishedAtMillis"), in.readInt64("elapsedMillis"), in.readInt64("portsTried"),
          in.readInt64("open"), orEmpty(in.readArrayOfString("backends")),
          orEmpty(in.readArrayOfString("presumedRpcServers")), orEmpty(in.readArrayOfString("unknown")),
          orEmpty(in.readArrayOfString("corralMembers")));
    }

    @Override
    public void write(CompactWriter out, ScanStatus s) {
      out.writeString("leader", s.leader());
      out.writeInt64("scans", s.scans());
      out.writeInt64("startedAtMillis", s.startedAtMillis());
      out.writeInt64("finishedAtMillis", s.finishedAtMillis());
      out.writeInt64("elapsedMillis", s.elapsedMillis());
      out.writeInt64("portsTried", s.portsTried());
      out.writeInt64("open", s.open());
      out.writeArrayOfString("backends", s.backends());
      out.writeArrayOfString("presumedRpcServers", s.presumedRpcServers());
      out.writeArrayOfString("unknown", s.unknown());
      out.writeArrayOfString("corralMembers", s.corralMembers());
    }

    @Override
    public String getTypeName() {
      return "corral.ScanStatus";
    }

    @Override
    public Class<ScanStatus> getCompactClass() {
      return ScanStatus.class;
    }
  }
}
