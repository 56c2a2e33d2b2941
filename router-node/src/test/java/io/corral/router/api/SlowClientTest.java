package io.corral.router.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clients cannot pin a member's resources forever: one that sends its body too slowly gets a 408 and is hung up
 * on; one that stops reading its answer keeps its slot only for the slow-client timeout, then the backend request
 * is cancelled, the slot freed and the client disconnected.
 */
class SlowClientTest {

  static TestCluster cluster;
  static SimulatedBackend big;
  static RouterNode member;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    big = cluster.sim(SimBackendOptions.ollama("big").withSlots(2));
    member = cluster.member(List.of(big.url()), f -> {
      f.put("bodyTimeout", "1s");
      f.put("slowClientTimeout", "1s");
      f.put("idleTimeout", "500ms");
    });
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static Socket connect() throws IOException {
    URI uri = URI.create(member.apiUrl());
    Socket s = new Socket();
    s.setReceiveBufferSize(4096);
    s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
    s.setSoTimeout(10_000);
    return s;
  }

  @Test
  void aBodyThatDoesNotArriveInTimeIsAnswered408AndTheConnectionClosed() throws IOException {
    long startedBefore = big.stats().requestsStarted();
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100"
          + "\r\n\r\n{\"model\":").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 408");
      assertThat(answer).contains("{\"error\":\"the request body did not arrive within 1 s\"}");
    }
    assertThat(big.stats().requestsStarted()).isEqualTo(startedBefore);
  }

  @Test
  void aClientThatStopsReadingLosesItsSlotAfterTheSlowClientTimeout() throws IOException {
    long cancelledBefore = big.stats().requestsCancelled();
    byte[] body = "{\"model\":\"big\",\"prompt\":\"x\",\"options\":{\"num_predict\":1000000}}"
        .getBytes(StandardCharsets.UTF_8);
    try (Socket s = connect()) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      InputStream in = s.getInputStream();
      in.readNBytes(1024);
      await().atMost(Duration.ofSeconds(5)).until(() -> big.stats().processing() == 1);
      // not reading any more: the buffers fill, the member pauses the backend, and after 1 s gives up on us
      await().atMost(Duration.ofSeconds(10)).until(() -> big.stats().processing() == 0
          && big.stats().requestsCancelled() == cancelledBefore + 1);
      await().atMost(Duration.ofSeconds(5)).until(() -> member.ledger().snapshot().toCompletableFuture().join()
          .inFlight(big.url()) == 0);
    }
  }
}
