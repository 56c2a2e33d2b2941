package io.corral.discovery.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.cluster.HostPort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real llama.cpp packages of shared/real-backends, which run llama-server through their own dynamic loader:
 * a coordinator attached to a real rpc-server is detected from {@code /proc}, and the API it reports answers.
 * Skipped where those packages do not install (they need x86_64 Linux and dpkg).
 */
@EnabledOnOs(OS.LINUX)
class RealLlamaServerDetectionTest {

  private static final Duration BOUND = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private final ChildProcesses children = new ChildProcesses();

  @AfterEach
  void endChildren() {
    children.close(); // llama-server first, then the rpc-server it used
  }

  @Test
  void aRealLlamaServerRunThroughItsLoaderIsFoundWithTheRpcServerItUses() throws Exception {
    Path realBackends = realBackendsFolder();
    Path run = install(realBackends);
    int rpcPort = freeLoopbackPort();
    int apiPort = freeLoopbackPort();
    children.start(List.of(run.toString(), "usr/libexec/x86_64-linux-gnu/llama/bin/ggml-rpc-server",
        "-H", "127.0.0.1", "-p", Integer.toString(rpcPort)), dir.resolve("rpc-server.log"));
    awaitListening(rpcPort);
    Process coordinator = children.start(List.of(run.toString(), "usr/bin/llama-server",
        "-m", realBackends.resolve("tiny-llama.gguf").toString(), "--host", "127.0.0.1",
        "--port", Integer.toString(apiPort), "-np", "1", "-t", "1",
        "--rpc", "127.0.0.1:" + rpcPort), dir.resolve("llama-server.log"));

    Coordinator found = await().atMost(BOUND).until(() -> CoordinatorDetector.forThisHost().detect().stream()
        .filter(c -> c.pid() == coordinator.pid()).findFirst(), Optional::isPresent).orElseThrow();

    assertThat(found.rpcServers()).containsExactly(new HostPort("127.0.0.1", rpcPort));
    assertThat(found.api()).contains(new HostPort("127.0.0.1", apiPort));
    assertThat(RpcServerDirectory.merge(RpcSighting.usedBy(List.of(found))).doNotTouch())
        .containsExactly(new HostPort("127.0.0.1", rpcPort));
    // The detected API is the real one: the server answers there (it started, so the rpc-server served it).
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    URI health = URI.create("http://" + found.api().orElseThrow() + "/health");
    await().atMost(BOUND).ignoreExceptions()
        .failFast("llama-server exited", () -> !coordinator.isAlive())
        .until(() -> http.send(HttpRequest.newBuilder(health)
        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
  }

  /** shared/real-backends, found by walking up from the module folder (the project's sibling folder "shared"). */
  private static Path realBackendsFolder() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      Path candidate = p.resolve("shared").resolve("real-backends");
      if (Files.isRegularFile(candidate.resolve("install.sh"))) {
        return candidate;
      }
    }
    assumeTrue(false, "shared/real-backends not found above " + Path.of("").toAbsolutePath());
    throw new IllegalStateException("unreachable");
  }

  private Path install(Path realBackends) throws Exception {
    Path dest = dir.resolve("llama");
    Process install = new ProcessBuilder("bash", realBackends.resolve("install.sh").toString(), dest.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("install.log").toFile()).start();
    boolean finished = install.waitFor(120, TimeUnit.SECONDS);
    if (!finished) {
      ChildProcesses.end(install);
    }
    assumeTrue(finished && install.exitValue() == 0,
        () -> "real llama.cpp packages do not install here: " + readQuietly(dir.resolve("install.log")));
    return dest.resolve("run");
  }

  /** Bind port 0 and read it back; the port is free again for the server an instant later. */
  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * Waits until the rpc-server's port is bound, from the system's socket table rather than by connecting: a
   * connection would be the rpc-server's one client, and it has died when such a client went away.
   */
  private static void awaitListening(int port) {
    String hexPort = String.format(":%04X ", port);
    await().atMost(BOUND).until(() -> Files.readAllLines(Path.of("/proc/net/tcp")).stream()
        .anyMatch(line -> line.contains(hexPort) && line.trim().split("\\s+")[3].equals("0A")));
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return e.toString();
    }
  }
}
