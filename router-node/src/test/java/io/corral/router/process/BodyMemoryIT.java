package io.corral.router.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 17's sixth attack, on a real member process with a 512 MiB heap: valid 30 MiB requests at once, all for
 * one busy backend slot, used to take the member out of memory for 1.5 minutes. Now the member admits the
 * bodies its memory allows, answers the rest 503 with {@code Retry-After} before reading them, serves every
 * admitted one, and answers a small request meanwhile. The clients send as curl does for large bodies.
 */
class BodyMemoryIT {

  static final int BODY_MIB = 30;
  /**
   * Twice the twelve: on this build twelve fit in 512 MiB even without the cap, twenty-four did not (every
   * request timed out, a small one waited 100 s, 2,011 OutOfMemoryErrors logged; measured by hand with
   * {@code --body-memory 4GiB}).
   */
  static final int CONCURRENT = 24;

  @Test
  void twentyFourThirtyMebibyteBodiesLeaveA512MebibyteMemberServing() throws Exception {
    Path jar = MemberJar.jarOrSkip();
    Vertx vertx = Vertx.vertx();
    Process member = null;
    Path log = Files.createTempFile("corral-body-memory", ".log");
    try {
      // one slot and a slow answer: every admitted big request waits in the queue with its body held
      SimulatedBackend sim = SimulatedBackend.start(vertx, SimBackendOptions.ollama("llama3").withSlots(1)
          .withTokensPerSecond(20).withDefaultTokens(10), "127.0.0.1", 0).toCompletionStage()
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      int api = MemberJar.freePort();
      int hazelcast = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      member = MemberJar.start(jar, List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError"),
          List.of("--host", "127.0.0.1", "--port", Integer.toString(api),
              "--hazelcast-port", Integer.toString(hazelcast), "--join", "127.0.0.1:" + hazelcast,
              "--dashboard-port", "0", "--backend", sim.url() + ";slots=1", "--cold-loads-per-backend", "0",
              "--cold-wait", "0", "--queue-max-wait", "120s", "--cluster-name", "body-memory-" + hazelcast), log);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
      String base = "http://127.0.0.1:" + api;
      MemberJar.awaitReady(http, base);

      byte[] body = bigChatRequest(BODY_MIB << 20);
      List<CompletableFuture<Answer>> big = new ArrayList<>();
      for (int i = 0; i < CONCURRENT; i++) {
        big.add(CompletableFuture.supplyAsync(() -> postAsCurlDoes(api, "/api/chat", body),
            Executors.newSingleThreadExecutor()));
      }
      // while they are in: a small request is answered
      Thread.sleep(1_000);
      HttpResponse<String> small = http.send(HttpRequest.newBuilder(URI.create(base + "/api/generate"))
          .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofString(
              "{\"model\":\"llama3\",\"prompt\":\"small\",\"stream\":false}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(small.statusCode()).as(small.body()).isEqualTo(200);

      int served = 0;
      int refused = 0;
      for (CompletableFuture<Answer> c : big) {
        Answer r = c.get(180, TimeUnit.SECONDS);
        if (r.status() == 200) {
          served++;
          assertThat(r.body()).contains("\"done\":true");
        } else {
          assertThat(r.status()).as(r.body()).isEqualTo(503);
          assertThat(r.head()).containsIgnoringCase("Retry-After:");
          assertThat(new JsonObject(r.body()).getString("error")).contains("memory");
          refused++;
        }
      }
      assertThat(served).as("admitted bodies are served").isGreaterThanOrEqualTo(1);
      assertThat(refused).as("the rest are refused before they are read").isGreaterThanOrEqualTo(1);
      assertThat(served + refused).isEqualTo(CONCURRENT);
      // and the member is still up and serving
      assertThat(member.isAlive()).as("member process alive; log:\n" + tail(log)).isTrue();
      assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/api/generate"))
          .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(
              "{\"model\":\"llama3\",\"prompt\":\"after\",\"stream\":false}")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      assertThat(Files.readString(log)).doesNotContain("OutOfMemoryError");
      System.out.printf("BodyMemoryIT: %d x %d MiB at once on -Xmx512m: %d served, %d refused with 503%n",
          CONCURRENT, BODY_MIB, served, refused);
    } finally {
      MemberJar.stop(member);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      Files.deleteIfExists(log);
    }
  }

  /** One answer read off the socket. */
  record Answer(int status, String head, String body) {}

  /**
   * POSTs {@code body} the way curl sends large bodies: headers with {@code Expect: 100-continue}, the body only
   * after the member answers 100 Continue; a final answer instead (the 503) ends the exchange unsent. Raw socket:
   * Java's HttpClient waits forever when a final answer replaces the 100 (JDK-8286171).
   */
  static Answer postAsCurlDoes(int port, String path, byte[] body) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(170_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + body.length + "\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String head = readHead(in);
      if (head.startsWith("HTTP/1.1 100")) {
        out.write(body);
        out.flush();
        head = readHead(in);
      }
      String rest = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return new Answer(Integer.parseInt(head.substring(9, 12)), head, rest);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed after: " + head);
      }
      head.append((char) c);
    }
    return head.toString();
  }

  /**
   * A valid /api/chat request of {@code size} bytes in six messages (one JSON string may not exceed the parser's
   * 20,000,000 characters; a longer one is refused 400).
   */
  static byte[] bigChatRequest(int size) {
    String open = "{\"model\":\"llama3\",\"stream\":false,\"messages\":[";
    int messages = 6;
    String before = "{\"role\":\"user\",\"content\":\"";
    String after = "\"}";
    int overhead = open.length() + 2 + messages * (before.length() + after.length()) + (messages - 1);
    int each = (size - overhead) / messages;
    StringBuilder json = new StringBuilder(size).append(open);
    for (int i = 0; i < messages; i++) {
      json.append(i == 0 ? "" : ",").append(before).append("a".repeat(each)).append(after);
    }
    json.append("]}");
    return json.toString().getBytes(StandardCharsets.US_ASCII);
  }

  static String tail(Path log) throws IOException {
    String all = Files.readString(log);
    return all.substring(Math.max(0, all.length() - 4_000));
  }

}
