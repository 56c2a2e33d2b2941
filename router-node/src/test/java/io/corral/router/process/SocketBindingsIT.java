package io.corral.router.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: a member listens only where it was told. A real member process (the built jar, with a cluster secret,
 * everything configured on 127.0.0.1) serves a queued request, so every kind of socket it opens exists; then its
 * sockets are read from /proc and none may be bound to a wildcard address.
 */
class SocketBindingsIT {

  /** One socket of the process, as /proc/PID/net/* lists it. */
  record ProcSocket(String protocol, String localAddressHex, int localPort, String state) {
    boolean wildcard() {
      return localAddressHex.chars().allMatch(c -> c == '0');
    }

    boolean listeningOrUnconnected() {
      // TCP: 0A = LISTEN; UDP: 07 = unconnected ("CLOSE")
      return protocol.startsWith("tcp") ? state.equals("0A") : true;
    }
  }

  @Test
  void aMemberConfiguredOnOneAddressHasNoSocketOnAWildcardAddress() throws Exception {
    Path jar = MemberJar.jarOrSkip();
    assumeTrue(Files.isDirectory(Path.of("/proc/self/net")), "needs Linux /proc");
    Vertx vertx = Vertx.vertx();
    Process member = null;
    Path log = Files.createTempFile("corral-sockets", ".log");
    try {
      SimulatedBackend sim = SimulatedBackend.start(vertx, SimBackendOptions.ollama("llama3").withSlots(1)
          .withTokensPerSecond(20).withDefaultTokens(20), "127.0.0.1", 0).toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      int api = MemberJar.freePort();
      int dashboard = MemberJar.freePort();
      int hazelcast = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      member = MemberJar.start(jar, List.of("-Xmx256m"), List.of(
          "--host", "127.0.0.1", "--interface", "127.0.0.1", "--port", Integer.toString(api),
          "--hazelcast-port", Integer.toString(hazelcast), "--join", "127.0.0.1:" + hazelcast,
          "--dashboard-port", Integer.toString(dashboard), "--backend", sim.url() + ";slots=1",
          "--cluster-name", "sockets-" + hazelcast), log);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      String base = "http://127.0.0.1:" + api;
      MemberJar.awaitReady(http, base);
      // two requests on one slot: the second waits and is granted by a notice, so the notice sockets exist too
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/api/generate")).POST(
            HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3\",\"prompt\":\"hi\",\"stream\":false}"))
            .build(), HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> c : calls) {
        assertThat(c.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      }

      List<ProcSocket> sockets = socketsOf(member.pid());
      assertThat(sockets).as("sockets found for pid " + member.pid()).isNotEmpty();
      List<ProcSocket> bound = sockets.stream().filter(ProcSocket::listeningOrUnconnected).toList();
      // what it was asked to listen on is there...
      assertThat(bound).anyMatch(s -> s.protocol().startsWith("tcp") && s.localPort() == api);
      assertThat(bound).anyMatch(s -> s.protocol().startsWith("tcp") && s.localPort() == dashboard);
      assertThat(bound).anyMatch(s -> s.protocol().startsWith("tcp") && s.localPort() == hazelcast);
      assertThat(bound).anyMatch(s -> s.protocol().startsWith("udp"));
      // ...and nothing anywhere else
      assertThat(bound).as("sockets on a wildcard address; log: " + Files.readString(log))
          .noneMatch(ProcSocket::wildcard);
    } finally {
      MemberJar.stop(member);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      Files.deleteIfExists(log);
    }
  }

  /** The process's sockets: its fds give the inodes, its net tables give the addresses. */
  static List<ProcSocket> socketsOf(long pid) throws IOException {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException gone) {
          // closed while listing
        }
      }
    }
    List<ProcSocket> out = new ArrayList<>();
    for (String protocol : List.of("tcp", "tcp6", "udp", "udp6")) {
      Path table = Path.of("/proc", Long.toString(pid), "net", protocol);
      if (!Files.exists(table)) {
        continue;
      }
      for (String line : Files.readAllLines(table).stream().skip(1).toList()) {
        String[] f = line.trim().split("\\s+");
        if (f.length > 9 && inodes.contains(f[9])) {
          String[] local = f[1].split(":");
          out.add(new ProcSocket(protocol, local[0], Integer.parseInt(local[1], 16), f[3]));
        }
      }
    }
    return out;
  }
}
