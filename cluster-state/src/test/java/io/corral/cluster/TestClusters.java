package io.corral.cluster;

import io.corral.cluster.trust.ClusterSecret;
import io.corral.cluster.trust.ClusterTrust;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Starts real members on 127.0.0.1 under a random cluster name, so parallel test clusters never merge. Test clusters
 * hold a fresh cluster secret, as a LAN deployment does, so every member connection goes through the handshake.
 */
public final class TestClusters {

  private TestClusters() {}

  /** Settings for {@code size} members sharing a random name and a random port block. */
  public static ClusterSettings settings(int size) {
    // below the ephemeral range (32768+): a port in the join list that some HTTP server got by chance accepts
    // Hazelcast's connection and never answers, and the join then hangs (hazelcast/hazelcast#17115)
    int base = ThreadLocalRandom.current().nextInt(20_000, 32_000);
    List<String> members = new ArrayList<>();
    for (int i = 0; i < size + 2; i++) {
      members.add("127.0.0.1:" + (base + i));
    }
    return ClusterSettings.forTests("test-" + UUID.randomUUID(), base, members)
        .withTrust(ClusterTrust.of(ClusterSecret.generate(new SecureRandom())));
  }

  public static List<CorralMember> start(int size) {
    ClusterSettings s = settings(size);
    List<CorralMember> out = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      out.add(CorralMember.start(s, new MemberIdentity("m" + i, "http://127.0.0.1:" + (9000 + i), i)));
    }
    return out;
  }
}
