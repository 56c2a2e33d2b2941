package io.corral.cluster.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class ClusterSecretTest {

  private final SecureRandom random = new SecureRandom();

  @Test
  void aNewSecretReadsBackFromItsTextForm() {
    ClusterSecret s = ClusterSecret.generate(random);
    ClusterSecret read = ClusterSecret.parse(s.toText());
    assertThat(read.clusterId()).isEqualTo(s.clusterId());
    assertThat(read.keyCount()).isOne();
    assertThat(read.handshakeKeys().get(0)).isEqualTo(s.handshakeKeys().get(0));
    assertThat(s.toText()).startsWith("#").contains(ClusterSecret.TOKEN_PREFIX + s.clusterId() + ":");
  }

  @Test
  void aRotationKeepsTheClusterIdAndNameAndAcceptsTheOldKeyUntilItIsDropped() {
    ClusterSecret old = ClusterSecret.generate(random);
    ClusterSecret rolling = ClusterSecret.parse(old.rotated(random).toText());
    assertThat(rolling.clusterId()).isEqualTo(old.clusterId());
    assertThat(rolling.clusterName("corral")).isEqualTo(old.clusterName("corral"));
    assertThat(rolling.keyCount()).isEqualTo(2);
    assertThat(rolling.handshakeKeys().get(1)).isEqualTo(old.handshakeKeys().get(0));
    assertThat(rolling.handshakeKeys().get(0)).isNotEqualTo(old.handshakeKeys().get(0));
    ClusterSecret done = ClusterSecret.parse(rolling.withoutPrevious().toText());
    assertThat(done.keyCount()).isOne();
    assertThat(done.handshakeKeys().get(0)).isEqualTo(rolling.handshakeKeys().get(0));
  }

  @Test
  void theClusterNameIsDerivedFromTheSecretSoTheDefaultNameNoLongerJoins() {
    ClusterSecret a = ClusterSecret.generate(random);
    ClusterSecret b = ClusterSecret.generate(random);
    assertThat(a.clusterName("corral")).startsWith("corral-").isNotEqualTo("corral")
        .isNotEqualTo(b.clusterName("corral"));
    assertThat(ClusterTrust.none().clusterName("corral")).isEqualTo("corral");
  }

  @Test
  void anEnvironmentValueMayListKeysWithCommas() {
    ClusterSecret old = ClusterSecret.generate(random);
    ClusterSecret next = old.rotated(random);
    String[] lines = next.toText().lines().filter(l -> !l.startsWith("#")).toArray(String[]::new);
    ClusterSecret read = ClusterSecret.parse(lines[0] + "," + lines[1]);
    assertThat(read.keyCount()).isEqualTo(2);
  }

  @Test
  void aLongPassphraseIsASecretAndAShortOneIsRefused() {
    ClusterSecret p = ClusterSecret.parse("correct horse battery staple and a few more words");
    assertThat(p.clusterId()).hasSize(16);
    assertThat(ClusterSecret.parse(p.toText()).clusterId()).isEqualTo(p.clusterId());
    // a rotation away from a passphrase keeps its cluster (and so its Hazelcast name)
    ClusterSecret next = ClusterSecret.parse(p.rotated(random).toText());
    assertThat(next.clusterName("corral")).isEqualTo(p.clusterName("corral"));
    assertThatThrownBy(() -> ClusterSecret.parse("hunter2")).hasMessageContaining("too short")
        .hasMessageContaining("corral secret new").hasMessageNotContaining("hunter2");
  }

  @Test
  void keysOfDifferentClustersOrMalformedLinesAreRefusedWithoutQuotingThem() {
    String a = ClusterSecret.generate(random).toText().lines().filter(l -> !l.startsWith("#")).findFirst()
        .orElseThrow();
    String b = ClusterSecret.generate(random).toText().lines().filter(l -> !l.startsWith("#")).findFirst()
        .orElseThrow();
    assertThatThrownBy(() -> ClusterSecret.parse(a + "\n" + b)).hasMessageContaining("different clusters")
        .hasMessageContaining("corral secret rotate");
    assertThatThrownBy(() -> ClusterSecret.parse(ClusterSecret.TOKEN_PREFIX + "xyz:abc"))
        .hasMessageContaining("16 hex digits");
    assertThatThrownBy(() -> ClusterSecret.parse(ClusterSecret.TOKEN_PREFIX + "0123456789abcdef:AAAA"))
        .hasMessageContaining("at least 32");
    assertThatThrownBy(() -> ClusterSecret.parse("# only a comment\n")).hasMessageContaining("empty");
  }

  @Test
  void theSecretNeverShowsInItsStringForm() {
    ClusterSecret s = ClusterSecret.generate(random);
    String key = s.toText().lines().filter(l -> !l.startsWith("#")).findFirst().orElseThrow()
        .substring(ClusterSecret.TOKEN_PREFIX.length() + 17);
    assertThat(s.toString()).doesNotContain(key).contains(s.clusterId());
    assertThat(ClusterTrust.of(s).toString()).doesNotContain(key);
  }

  @Test
  void aClusterWithoutASecretMayOnlyListenOnLoopback() {
    ClusterTrust none = ClusterTrust.none();
    none.checkExposure("127.0.0.1", false);
    none.checkExposure("127.0.0.5", false);
    assertThatThrownBy(() -> none.checkExposure("192.0.2.10", false))
        .hasMessageContaining("192.0.2.10").hasMessageContaining("corral secret new")
        .hasMessageContaining("--cluster-secret-file").hasMessageContaining("--insecure-cluster");
    assertThatThrownBy(() -> none.checkExposure("127.0.0.1", true)).hasMessageContaining("multicast");
    new ClusterTrust(null, AddressRanges.none(), true).checkExposure("192.0.2.10", false);
    ClusterTrust.of(ClusterSecret.generate(random)).checkExposure("192.0.2.10", false);
    assertThatThrownBy(() -> ClusterTrust.of(ClusterSecret.generate(random)).checkExposure("192.0.2.10", true))
        .hasMessageContaining("--multicast cannot be used with a cluster secret");
  }
}
