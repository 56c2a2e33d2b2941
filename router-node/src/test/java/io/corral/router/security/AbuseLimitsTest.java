package io.corral.router.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17's fifth and sixth attacks, on a real member's sockets: headers sent a line at a time, connections left
 * idle, more connections than a member should hold, and invented HTTP methods that used to grow {@code /metrics}
 * by a series each. None may hold or bloat the member; a request that legitimately waits (queued for a slot,
 * answered slowly) must not be cut by any of the timeouts.
 */
class AbuseLimitsTest {

  private final TestCluster cluster = new TestCluster();
  private final List<Socket> sockets = new ArrayList<>();

  @AfterEach
  void stop() {
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closed by the member already
      }
    }
    cluster.close();
  }

  private RouterNode member(String headerTimeout, String keepAlive, String maxConnections, List<String> backends) {
    return cluster.member(backends, f -> {
      f.put("headerTimeout", headerTimeout);
      f.put("keepAliveTimeout", keepAlive);
      f.put("maxConnections", maxConnections);
    });
  }

  private Socket connect(RouterNode n) throws IOException {
    URI api = URI.create(n.apiUrl());
    Socket s = new Socket(api.getHost(), api.getPort());
    s.setSoTimeout(20_000);
    sockets.add(s);
    return s;
  }

  /** Blocks until the member closes the connection; how long that took, in ms. */
  private static long millisUntilClosed(Socket s, long since) throws IOException {
    InputStream in = s.getInputStream();
    byte[] buf = new byte[8192];
    try {
      while (in.read(buf) >= 0) {
        // an answer, if any, is read past
      }
    } catch (SocketException reset) {
      // a reset is a close too
    }
    return System.currentTimeMillis() - since;
  }

  /** One request on a held connection; the answer's head and body. */
  private static String[] exchange(Socket s, String request) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = s.getInputStream();
    StringBuilder head = new StringBuilder();
    while (!head.toString().contains("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      head.append((char) c);
    }
    int length = 0;
    for (String line : head.toString().split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    return new String[] {head.toString(), new String(in.readNBytes(length), StandardCharsets.UTF_8)};
  }

  private static String answerOn(Socket s, String request) throws IOException {
    return exchange(s, request)[0];
  }

  @Test
  void headersSentALineAtATimeAreCutAtTheHeaderTimeout() throws Exception {
    RouterNode n = member("1s", "30s", "100", List.of());
    Socket s = connect(n);
    long start = System.currentTimeMillis();
    CompletableFuture<Long> closed = CompletableFuture.supplyAsync(() -> {
      try {
        return millisUntilClosed(s, start);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    OutputStream out = s.getOutputStream();
    try {
      out.write("GET /api/version HTTP/1.1\r\nHost: corral\r\n".getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < 80 && !closed.isDone(); i++) {
        Thread.sleep(250);
        out.write(("X-Slow-" + i + ": a\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
    } catch (IOException cut) {
      // the member closed it while we were still "sending headers"
    }
    long after = closed.get(20, TimeUnit.SECONDS);
    assertThat(after).as("a connection that never finishes its headers is closed at the 1 s header timeout")
        .isBetween(800L, 4_000L);
  }

  @Test
  void anIdleKeptAliveConnectionIsClosedAfterTheKeepAliveTimeout() throws Exception {
    RouterNode n = member("5s", "1s", "100", List.of());
    Socket s = connect(n);
    assertThat(answerOn(s, "GET /api/version HTTP/1.1\r\nHost: corral\r\n\r\n")).startsWith("HTTP/1.1 200");
    long answered = System.currentTimeMillis();
    // the same connection serves a second request within the timeout...
    Thread.sleep(400);
    assertThat(answerOn(s, "GET /api/version HTTP/1.1\r\nHost: corral\r\n\r\n")).startsWith("HTTP/1.1 200");
    answered = System.currentTimeMillis();
    // ...and is closed once it has idled past it
    assertThat(millisUntilClosed(s, answered)).isBetween(800L, 4_000L);
    assertThat(metric(n, "corral_http_connections_timed_out_total")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void requestsThatWaitForASlotOrASlowAnswerAreNotIdle() throws Exception {
    // one slot, 2.5 s before the first token: the second request waits about that long in the queue, then as long
    // again for its answer; both are far past the 1 s timeouts, with no byte on their connections meanwhile
    SimulatedBackend sim = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(1)
        .withFirstTokenDelay(Duration.ofMillis(2_500)).withDefaultTokens(3));
    RouterNode n = member("1s", "1s", "100", List.of(sim.url() + ";slots=1"));
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(n.apiUrl() + "/api/generate"))
          .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(
              "{\"model\":\"llama3\",\"prompt\":\"wait " + i + "\",\"stream\":false}")).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> c : calls) {
      HttpResponse<String> r = c.get(30, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("\"done\":true");
    }
  }

  @Test
  void pastTheConnectionCapNewConnectionsAreClosedAtOnceAndServingResumesBelowIt() throws Exception {
    RouterNode n = member("30s", "30s", "4", List.of());
    List<Socket> held = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Socket s = connect(n);
      // each one proves it is being served, and then stays open
      assertThat(answerOn(s, "GET /api/version HTTP/1.1\r\nHost: corral\r\n\r\n")).startsWith("HTTP/1.1 200");
      held.add(s);
    }
    Socket fifth = connect(n);
    long start = System.currentTimeMillis();
    assertThat(millisUntilClosed(fifth, start)).as("the fifth connection is closed at once").isLessThan(2_000);

    held.get(0).close();
    // below the cap again: a new connection is served (the member notices the close within a moment)
    await().atMost(Duration.ofSeconds(5)).ignoreExceptions().untilAsserted(() ->
        assertThat(answerOn(connect(n), "GET /api/version HTTP/1.1\r\nHost: corral\r\n\r\n"))
            .startsWith("HTTP/1.1 200"));
    assertThat(metricOn(held.get(1), "corral_http_connections_refused_total")).isGreaterThanOrEqualTo(1);
  }

  /** Reads a meter over a connection the test already holds (a new one would be over the cap). */
  private static double metricOn(Socket s, String name) throws IOException {
    return valueIn(exchange(s, "GET /metrics HTTP/1.1\r\nHost: corral\r\n\r\n")[1], name);
  }

  @Test
  void threeThousandInventedMethodsLeaveMetricsTheSameSize() throws Exception {
    RouterNode n = member("5s", "30s", "100", List.of());
    Socket s = connect(n);
    // warm up the series a normal client creates (200 and 404 answers, GET and POST)
    answerOn(s, "GET /api/version HTTP/1.1\r\nHost: corral\r\n\r\n");
    answerOn(s, "POST /nope HTTP/1.1\r\nHost: corral\r\nContent-Length: 0\r\n\r\n");
    answerOn(s, "FOO /api/version HTTP/1.1\r\nHost: corral\r\n\r\n");
    int before = metricsText(n).length();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < 3_000; i++) {
      StringBuilder method = new StringBuilder();
      for (int c = 0; c < 12; c++) {
        method.append((char) ('A' + random.nextInt(26)));
      }
      String head = answerOn(s, method + " /api/version HTTP/1.1\r\nHost: corral\r\n\r\n");
      assertThat(head).startsWith("HTTP/1.1 405");
    }
    String after = metricsText(n);
    assertThat(after).contains("method=\"OTHER\"");
    assertThat(after.length()).as("/metrics after 3,000 invented methods (was " + before + " bytes)")
        .isLessThan(before + 8_192);
  }

  static String metricsText(RouterNode n) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(n.apiUrl() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  static double metric(RouterNode n, String name) throws Exception {
    return valueIn(metricsText(n), name);
  }

  private static double valueIn(String metrics, String name) {
    for (String line : metrics.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError(name + " not in /metrics");
  }
}
