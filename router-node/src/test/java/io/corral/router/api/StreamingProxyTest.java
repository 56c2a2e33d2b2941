package io.corral.router.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonObject;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The proxy streams with back-pressure, cancels upstream work for vanished clients, and ends broken streams. */
class StreamingProxyTest {

  static TestCluster cluster;
  static SimulatedBackend big;
  static String api;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    big = cluster.sim(SimBackendOptions.ollama("big").withSlots(4));
    api = cluster.member(List.of(big.url()), f -> f.put("idleTimeout", "1s")).apiUrl();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @AfterEach
  void clearFaults() {
    big.faults().clear();
    await().atMost(Duration.ofSeconds(10)).until(() -> big.stats().processing() == 0);
  }

  /** A raw HTTP/1.1 client whose reading speed the test controls. */
  static Socket send(String path, String json) throws IOException {
    URI uri = URI.create(api);
    Socket s = new Socket();
    s.setReceiveBufferSize(4096);
    s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    OutputStream out = s.getOutputStream();
    out.write(("POST " + path + " HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
    return s;
  }

  static long readAll(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    String tail = "";
    for (int n; (n = in.read(buf)) > 0; ) {
      total += n;
      tail = (tail + new String(buf, 0, n, StandardCharsets.ISO_8859_1));
      tail = tail.substring(Math.max(0, tail.length() - 16));
      if (tail.endsWith("0\r\n\r\n")) {
        break;
      }
    }
    return total;
  }

  static String generate(int tokens) {
    return "{\"model\":\"big\",\"prompt\":\"x\",\"options\":{\"num_predict\":" + tokens + "}}";
  }

  @Test
  void aSlowClientPausesTheBackendInsteadOfMakingTheRouterBufferTheAnswer() throws IOException {
    int tokens = 100_000;
    long t0 = System.nanoTime();
    long bytes;
    try (Socket fast = send("/api/generate", generate(tokens))) {
      bytes = readAll(fast);
    }
    Duration fastRead = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(bytes).isGreaterThan(4_000_000L);

    // the backend counts the fast request as completed just after its last byte: wait for that before reading
    await().atMost(Duration.ofSeconds(5)).until(() -> big.stats().processing() == 0);
    long completedBefore = big.stats().requestsCompleted();
    // three times as long: more than the backend's own send buffer (up to 4 MiB) and the router's fixed socket
    // buffers can hold, so only back-pressure keeps the backend from finishing
    try (Socket slow = send("/api/generate", generate(3 * tokens))) {
      slow.getInputStream().readNBytes(1024);
      // the client stops reading: if the router buffered, the backend would finish in about three times the fast
      // read above
      Duration hold = Duration.ofMillis(Math.max(2_000, fastRead.toMillis() * 4));
      await().during(hold).atMost(hold.plusSeconds(5)).until(() ->
          big.stats().processing() == 1 && big.stats().requestsCompleted() == completedBefore);
    }
  }

  @Test
  void aClientThatDisconnectsMidStreamCancelsTheBackendRequest() throws IOException {
    long cancelledBefore = big.stats().requestsCancelled();
    try (Socket s = send("/api/generate", generate(1_000_000))) {
      s.getInputStream().readNBytes(4096);
      await().atMost(Duration.ofSeconds(5)).until(() -> big.stats().processing() == 1);
    }
    await().atMost(Duration.ofSeconds(5)).until(() ->
        big.stats().processing() == 0 && big.stats().requestsCancelled() == cancelledBefore + 1);
  }

  @Test
  void aBackendThatBreaksOffMidStreamEndsTheOllamaStreamWithAnErrorLine() {
    big.faults().resetAfterChunks(3);
    StreamTiming t = StreamTiming.post(api + "/api/chat",
        "{\"model\":\"big\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(t.status()).isEqualTo(200);
    JsonObject last = new JsonObject(t.lines().get(t.lines().size() - 1));
    assertThat(last.getString("error")).contains("broke off");
    assertThat(t.lines().subList(0, t.lines().size() - 1))
        .allSatisfy(l -> assertThat(new JsonObject(l).getBoolean("done")).isFalse());
  }

  @Test
  void aBackendThatStallsMidStreamEndsTheOpenAiStreamWithAnErrorEventAndNoDone() {
    big.faults().stallAfterChunks(2);
    StreamTiming t = StreamTiming.post(api + "/v1/chat/completions",
        "{\"model\":\"big\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(t.status()).isEqualTo(200);
    String last = t.lines().get(t.lines().size() - 1);
    assertThat(last).startsWith("data: ");
    JsonObject error = new JsonObject(last.substring("data: ".length())).getJsonObject("error");
    assertThat(error.getString("message")).contains("stalled");
    assertThat(t.lines()).doesNotContain("data: [DONE]");
    // the stalled upstream request was abandoned, freeing the backend
    await().atMost(Duration.ofSeconds(5)).until(() -> big.stats().processing() == 0);
  }
}
