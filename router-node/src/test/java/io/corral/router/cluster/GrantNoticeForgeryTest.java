package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.cluster.Address;
import io.corral.cluster.ledger.Grant;
import io.corral.cluster.ledger.GrantDatagram;
import io.corral.cluster.ledger.MemberHoldings;
import io.corral.cluster.trust.ClusterSecret;
import io.corral.cluster.trust.NoticeSigner;
import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's attack on the grant notices: a datagram sent to a member's notice port, naming a request that waits and
 * a backend that is full. Without the cluster's signature it changes nothing: the request waits for a real slot.
 */
class GrantNoticeForgeryTest {

  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  static CompletableFuture<HttpResponse<String>> generate(RouterNode n) {
    return Http.CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(n.apiUrl() + "/api/generate"))
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"llama3\",\"prompt\":\"hi\",\"stream\":false}")).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aForgedGrantNoticeChangesNothing() throws Exception {
    // one slot, answers of about 2 s
    SimulatedBackend sim = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(1).withTokensPerSecond(20)
        .withDefaultTokens(40));
    RouterNode a = cluster.member(List.of(sim.url() + ";slots=1"));
    await().atMost(Duration.ofSeconds(10)).until(() -> a.backends().all().stream().anyMatch(x -> x.isUp()));
    String backend = a.backends().all().iterator().next().id();
    String me = a.member().localId().toString();

    CompletableFuture<HttpResponse<String>> first = generate(a);
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.stats().maxConcurrent() == 1);
    CompletableFuture<HttpResponse<String>> second = generate(a);
    await().atMost(Duration.ofSeconds(5)).until(() -> !holdings(a, me).waiting().isEmpty());
    String ticket = holdings(a, me).waiting().get(0);

    // the notice port is the member's Hazelcast port number, on its cluster interface
    Address hz = a.member().hazelcast().getCluster().getLocalMember().getAddress();
    Grant forged = new Grant(ticket, me, backend);
    NoticeSigner outsider = new NoticeSigner(ClusterSecret.generate(new SecureRandom()));
    byte[] unsigned = ("corral-grant-1\n" + me + "\n" + ticket + "\n" + backend).getBytes(StandardCharsets.UTF_8);
    byte[] otherSecret = GrantDatagram.encode(forged, outsider);
    // a real notice for another ticket (as a sniffer could capture), with this ticket's id put in its place
    String other = UUID.randomUUID().toString();
    byte[] tampered = new String(GrantDatagram.encode(new Grant(other, me, backend),
        a.member().noticeSigner().orElseThrow()), StandardCharsets.UTF_8).replace(other, ticket)
        .getBytes(StandardCharsets.UTF_8);
    try (DatagramSocket out = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
      for (byte[] d : List.of(unsigned, otherSecret, tampered)) {
        out.send(new DatagramPacket(d, d.length, InetAddress.getByName(hz.getHost()), hz.getPort()));
      }
    }

    // the second request still waits, and runs only once the first has ended: one at a time on the one slot
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> !second.isDone());
    assertThat(first.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(second.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(sim.stats().maxConcurrent()).isEqualTo(1);
  }

  private static MemberHoldings holdings(RouterNode n, String member) {
    return n.ledger().holdingsOf(member).toCompletableFuture().join();
  }
}
