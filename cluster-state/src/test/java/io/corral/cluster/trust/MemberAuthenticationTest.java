package io.corral.cluster.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.cluster.Address;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.corral.cluster.ClusterSettings;
import io.corral.cluster.CorralMember;
import io.corral.cluster.MemberIdentity;
import io.corral.cluster.TestClusters;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The attacks of issue 16 against real members on loopback: outsiders who know the cluster name, or even a member's
 * address, cannot join, read or write; holders of the secret can, through a rotation too.
 */
class MemberAuthenticationTest {

  private final SecureRandom random = new SecureRandom();
  private final List<CorralMember> members = new ArrayList<>();
  private final List<HazelcastInstance> rogues = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    rogues.forEach(r -> r.getLifecycleService().terminate());
    members.forEach(CorralMember::terminate);
  }

  private CorralMember start(ClusterSettings s, String name) {
    CorralMember m = CorralMember.start(s, new MemberIdentity(name, "http://127.0.0.1:9" + members.size(), 0));
    members.add(m);
    return m;
  }

  /**
   * A plain Hazelcast member (no corral code) that tries to join {@code target} under {@code clusterName}: empty when
   * it gave up starting (it found members it could not join), else it runs alone.
   */
  private Optional<HazelcastInstance> rogueMember(String clusterName, ClusterSettings target, String claimedAddress) {
    Config c = new Config().setClusterName(clusterName);
    c.setProperty("hazelcast.phone.home.enabled", "false");
    c.setProperty("hazelcast.wait.seconds.before.join", "1");
    c.setProperty("hazelcast.max.join.seconds", "4");
    int port = ThreadLocalRandom.current().nextInt(40_000, 45_000);
    c.getNetworkConfig().setPort(port).setPortAutoIncrement(true).getInterfaces().setEnabled(true)
        .addInterface("127.0.0.1");
    if (claimedAddress != null) {
      c.getNetworkConfig().setPublicAddress(claimedAddress);
    }
    JoinConfig join = c.getNetworkConfig().getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(target.members()).setConnectionTimeoutSeconds(3);
    try {
      HazelcastInstance rogue = Hazelcast.newHazelcastInstance(c);
      rogues.add(rogue);
      return Optional.of(rogue);
    } catch (IllegalStateException couldNotJoin) {
      return Optional.empty();
    }
  }

  @Test
  void membersWithTheSecretFormOneCluster() {
    ClusterSettings s = TestClusters.settings(2);
    CorralMember a = start(s, "a");
    CorralMember b = start(s, "b");
    await().atMost(Duration.ofSeconds(20)).until(() -> a.members().size() == 2 && b.members().size() == 2);
    assertThat(a.checksSecret()).isTrue();
    assertThat(a.hazelcast().getConfig().getClusterName()).isEqualTo(s.effectiveClusterName())
        .isNotEqualTo(s.clusterName());
  }

  @Test
  void aMemberWithoutTheSecretCannotJoinReadOrWriteUnderAnyName() {
    ClusterSettings s = TestClusters.settings(1);
    CorralMember a = start(s, "a");
    IMap<String, String> real = a.hazelcast().getMap("corral.admin.backends");
    real.set("http://127.0.0.1:11434", "http://127.0.0.1:11434");
    // the derived name copied from a log, and the default name (one after the other: at once they stall each other)
    for (String name : List.of(s.effectiveClusterName(), "corral")) {
      rogueMember(name, s, null).ifPresent(rogue -> {
        assertThat(rogue.getCluster().getMembers()).hasSize(1);
        IMap<String, String> seen = rogue.getMap("corral.admin.backends");
        assertThat(seen.get("http://127.0.0.1:11434")).isNull();
        seen.set("http://192.0.2.66:11434", "http://192.0.2.66:11434");
      });
    }
    assertThat(a.members()).hasSize(1);
    assertThat(real.keySet()).containsExactly("http://127.0.0.1:11434");
    assertThat(a.refusedConnections()).isPositive();
  }

  @Test
  void aMemberWithAnotherKeyForTheSameClusterIdCannotJoin() {
    ClusterSettings s = TestClusters.settings(2);
    CorralMember a = start(s, "a");
    // same cluster id (so the same derived name), another key
    String id = s.trust().secret().clusterId();
    byte[] key = new byte[32];
    random.nextBytes(key);
    ClusterSecret forged = ClusterSecret.parse(ClusterSecret.TOKEN_PREFIX + id + ":"
        + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(key));
    assertThat(forged.clusterName(s.clusterName())).isEqualTo(s.effectiveClusterName());
    CorralMember b = start(s.withTrust(ClusterTrust.of(forged)), "b");
    assertThat(b.members()).hasSize(1);
    assertThat(a.members()).hasSize(1);
  }

  @Test
  void aHazelcastClientCannotConnectAtAll() {
    ClusterSettings s = TestClusters.settings(1);
    CorralMember a = start(s, "a");
    Address address = a.hazelcast().getCluster().getLocalMember().getAddress();
    ClientConfig cc = new ClientConfig().setClusterName(s.effectiveClusterName());
    cc.getNetworkConfig().addAddress(address.getHost() + ":" + address.getPort());
    cc.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(3000);
    cc.setProperty("hazelcast.phone.home.enabled", "false");
    assertThatThrownBy(() -> HazelcastClient.newHazelcastClient(cc).shutdown())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("Unable to connect");
    assertThat(a.members()).hasSize(1);
  }

  @Test
  void aConnectionClaimingALiveMembersAddressChangesNothing() throws Exception {
    ClusterSettings s = TestClusters.settings(2);
    CorralMember a = start(s, "a");
    CorralMember b = start(s, "b");
    await().atMost(Duration.ofSeconds(20)).until(() -> a.members().size() == 2);
    IMap<String, String> ledger = a.hazelcast().getMap("corral.admin.backends");
    ledger.set("kept", "kept");
    Address bAddress = b.hazelcast().getCluster().getLocalMember().getAddress();
    Address aAddress = a.hazelcast().getCluster().getLocalMember().getAddress();

    // a raw connection that starts Hazelcast's member protocol at once: closed before Hazelcast reads a byte
    try (Socket raw = new Socket(InetAddress.getByName(aAddress.getHost()), aAddress.getPort())) {
      raw.setSoTimeout(5000);
      OutputStream out = raw.getOutputStream();
      out.write("HZC".getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[64]);
      out.flush();
      InputStream in = raw.getInputStream();
      // the acceptor waits for corral's greeting, finds Hazelcast's, and hangs up without a word (an end of stream,
      // or a reset since it left bytes unread)
      try {
        assertThat(in.readNBytes(64)).isEmpty();
      } catch (SocketException reset) {
        assertThat(reset).hasMessageContaining("reset");
      }
    }

    // a Hazelcast member that claims b's address (as a public address) and knows the derived name
    rogueMember(s.effectiveClusterName(), s, bAddress.getHost() + ":" + bAddress.getPort())
        .ifPresent(rogue -> assertThat(rogue.getCluster().getMembers()).hasSize(1));
    await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
        .until(() -> a.members().size() == 2 && b.members().size() == 2);
    assertThat(a.members()).extracting(m -> m.id()).containsExactlyInAnyOrder(a.localId().toString(),
        b.localId().toString());
    assertThat(ledger.get("kept")).isEqualTo("kept");
  }

  @Test
  void membersOutsideTheAllowListAreRefusedEvenWithTheSecret() {
    ClusterSettings s = TestClusters.settings(2);
    ClusterSecret secret = s.trust().secret();
    CorralMember a = start(s.withTrust(new ClusterTrust(secret, AddressRanges.parse(List.of("10.0.0.0/8")), false)),
        "a");
    CorralMember b = start(s, "b");
    assertThat(a.members()).hasSize(1);
    assertThat(b.members()).hasSize(1);
    // and allowed when the range covers them
    CorralMember c = start(s.withTrust(new ClusterTrust(secret, AddressRanges.parse(List.of("127.0.0.0/8")), false)),
        "c");
    await().atMost(Duration.ofSeconds(20)).until(() -> b.members().size() == 2 && c.members().size() == 2);
  }

  @Test
  void anAllowListIsEnforcedEvenWithoutASecret() {
    ClusterSettings s = TestClusters.settings(2).withTrust(ClusterTrust.none());
    CorralMember a = start(s.withTrust(new ClusterTrust(null, AddressRanges.parse(List.of("10.0.0.0/8")), false)),
        "a");
    CorralMember b = start(s, "b");
    assertThat(a.members()).hasSize(1);
    assertThat(b.members()).hasSize(1);
    assertThat(a.checksSecret()).isFalse();
    assertThat(a.refusedConnections()).isPositive();
  }

  @Test
  void aRotatedSecretRollsThroughThreeMembersWithoutASplit() {
    ClusterSettings s = TestClusters.settings(3);
    ClusterSecret k1 = s.trust().secret();
    ClusterSecret rolling = k1.rotated(random);
    ClusterSecret k2 = rolling.withoutPrevious();
    for (int i = 0; i < 3; i++) {
      start(s, "m" + i);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> members.stream().allMatch(m -> m.members().size() == 3));
    members.get(0).hazelcast().getMap("corral.admin.backends").set("marker", UUID.randomUUID().toString());
    Object marker = members.get(0).hazelcast().getMap("corral.admin.backends").get("marker");
    for (ClusterSecret step : List.of(rolling, k2)) {
      for (int i = 0; i < 3; i++) {
        CorralMember leaving = members.remove(0);
        leaving.shutdown();
        CorralMember fresh = start(s.withTrust(ClusterTrust.of(step)), "m" + i);
        await().atMost(Duration.ofSeconds(30))
            .until(() -> members.stream().allMatch(m -> m.isRunning() && m.members().size() == 3));
        assertThat(fresh.members()).hasSize(3);
      }
    }
    assertThat(members.get(0).hazelcast().getMap("corral.admin.backends").get("marker")).isEqualTo(marker);
  }
}
