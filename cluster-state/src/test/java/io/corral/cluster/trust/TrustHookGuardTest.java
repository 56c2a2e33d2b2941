package io.corral.cluster.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.cluster.Address;
import io.corral.cluster.ClusterSettings;
import io.corral.cluster.CorralMember;
import io.corral.cluster.MemberIdentity;
import io.corral.cluster.TestClusters;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Guards the one place corral relies on Hazelcast internals (decision 0007). If a Hazelcast upgrade renames the node
 * extension's interceptor hook, the node context, or the accepted-channel set, this test fails: do not upgrade
 * until the hook works again, or a cluster with a secret would let anyone in.
 */
class TrustHookGuardTest {

  @Test
  void theHandshakeHookIsInstalledAndRunsOnEveryInboundConnection() throws Exception {
    ClusterSettings s = TestClusters.settings(1);
    CorralMember m = CorralMember.start(s, new MemberIdentity("guard", "http://127.0.0.1:9999", 0));
    try {
      TrustedNodeExtension ext = TrustedMembers.extensionOf(m.hazelcast()).orElseThrow(() -> new AssertionError(
          "Hazelcast did not use corral's node extension: the member handshake is not installed"));
      assertThat(m.checksSecret()).isTrue();
      Address a = m.hazelcast().getCluster().getLocalMember().getAddress();
      long before = ext.interceptor().refusedCount();
      // 40 connections that do not speak the handshake: each is refused by the interceptor...
      for (int i = 0; i < 40; i++) {
        try (Socket raw = new Socket(InetAddress.getByName(a.getHost()), a.getPort())) {
          OutputStream out = raw.getOutputStream();
          out.write(new byte[40]);
          out.flush();
          raw.setSoTimeout(5000);
          raw.getInputStream().read();
        } catch (java.net.SocketException reset) {
          // refused with a reset: as good as an end of stream
        }
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> ext.interceptor().refusedCount() >= before + 40);
      // ...and what Hazelcast keeps of refused connections is dropped before the next handshake
      assertThat(ext.pendingAcceptedChannels()).as("accepted-channel set reachable").isGreaterThanOrEqualTo(0);
      try (Socket one = new Socket(InetAddress.getByName(a.getHost()), a.getPort())) {
        one.getOutputStream().write(new byte[40]);
        one.setSoTimeout(5000);
        one.getInputStream().read();
      } catch (java.net.SocketException reset) {
        // refused
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> ext.pendingAcceptedChannels() <= 1);
    } finally {
      m.terminate();
    }
  }
}
