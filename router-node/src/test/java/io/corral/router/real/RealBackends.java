package io.corral.router.real;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real llama.cpp packages of {@code shared/real-backends}, unpacked into target/ without touching the system.
 * A test that cannot install them is skipped (they need x86_64 Linux and dpkg).
 */
final class RealBackends {

  final Path run;
  final Path model;
  final Path logs;

  private RealBackends(Path run, Path model, Path logs) {
    this.run = run;
    this.model = model;
    this.logs = logs;
  }

  static RealBackends installOrSkip() throws Exception {
    Path shared = Path.of(System.getProperty("corral.shared", "../../shared")).toAbsolutePath().normalize();
    Path install = shared.resolve("real-backends/install.sh");
    Path model = shared.resolve("real-backends/tiny-llama.gguf");
    assumeTrue(Files.isExecutable(install) && Files.isRegularFile(model), "no shared/real-backends here");
    Path dest = Path.of("target/real-backends").toAbsolutePath();
    Process inst = new ProcessBuilder("bash", install.toString(), dest.toString()).redirectErrorStream(true)
        .redirectOutput(dest.getParent().resolve("real-backends-install.log").toFile()).start();
    assumeTrue(inst.waitFor(120, TimeUnit.SECONDS) && inst.exitValue() == 0, "llama.cpp packages do not install");
    return new RealBackends(dest.resolve("run"), model, dest.getParent());
  }

  /** A real llama-server with the tiny model under the alias {@code tiny-llama}, plus {@code extra} arguments. */
  Process llamaServer(int port, String logName, String... extra) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(run.toString(), "usr/bin/llama-server", "-m", model.toString(),
        "--host", "127.0.0.1", "--port", Integer.toString(port), "-t", "1", "-c", "512", "--slots", "--metrics",
        "--alias", "tiny-llama"));
    cmd.addAll(List.of(extra));
    return start(cmd, logName);
  }

  /** A real ggml-rpc-server on loopback. */
  Process rpcServer(int port, String logName) throws IOException {
    return start(List.of(run.toString(), "usr/libexec/x86_64-linux-gnu/llama/bin/ggml-rpc-server", "-H",
        "127.0.0.1", "-p", Integer.toString(port)), logName);
  }

  private Process start(List<String> cmd, String logName) throws IOException {
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logs.resolve(logName).toFile())
        .start();
  }

  static int freeLoopbackPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * Waits until a port is bound, from the system's socket table rather than by connecting: a connection would be
   * an rpc-server's one client, and it has died when such a client went away.
   */
  static void awaitListening(int port) {
    String hexPort = String.format(":%04X ", port);
    await().atMost(Duration.ofSeconds(30)).until(() -> Files.readAllLines(Path.of("/proc/net/tcp")).stream()
        .anyMatch(line -> line.contains(hexPort) && line.trim().split("\\s+")[3].equals("0A")));
  }

  /** SIGTERM, then SIGKILL if it does not go within 10 s. */
  static void stop(Process p) throws InterruptedException {
    if (p == null) {
      return;
    }
    p.destroy();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
