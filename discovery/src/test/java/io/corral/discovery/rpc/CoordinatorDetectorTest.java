package io.corral.discovery.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.HostPort;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Detection on this host's real process list (with harmless stand-ins named llama-server) and on fixture
 * {@code /proc} trees. The rpc and API addresses in stand-in command lines are only text: nothing binds them.
 */
class CoordinatorDetectorTest {

  private static final Duration BOUND = Duration.ofSeconds(15);
  private static final List<HostPort> BOTH_RPC_SERVERS =
      List.of(new HostPort("127.0.0.1", 50052), new HostPort("127.0.0.1", 50053));

  @TempDir
  Path dir;

  private final ChildProcesses children = new ChildProcesses();

  @AfterEach
  void endChildren() {
    children.close();
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void aRunningProcessNamedLlamaServerIsFoundWithBothRpcServersAndItsApi() throws Exception {
    Process p = startStandIn(llamaServerNamedShell(), holdScript());

    Coordinator found = awaitCoordinator(CoordinatorDetector.forThisHost(), p.pid());

    assertThat(found).isEqualTo(new Coordinator(p.pid(), Optional.of(new HostPort("127.0.0.1", 8099)),
        BOTH_RPC_SERVERS));
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void aRunningWrapperScriptNamedLlamaServerIsFound() throws Exception {
    // Started through its #! line, so the kernel shows it as "/bin/sh <dir>/llama-server --rpc ...".
    Path script = dir.resolve("llama-server");
    Files.writeString(script, "#!/bin/sh\nread -r _\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    Process p = startStandIn(script);

    Coordinator found = awaitCoordinator(CoordinatorDetector.forThisHost(), p.pid());

    assertThat(found.rpcServers()).isEqualTo(BOTH_RPC_SERVERS);
    assertThat(found.api()).contains(new HostPort("127.0.0.1", 8099));
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void aCoordinatorThatStopsIsNoLongerFound() throws Exception {
    Process p = startStandIn(llamaServerNamedShell(), holdScript());
    CoordinatorDetector detector = CoordinatorDetector.forThisHost();
    awaitCoordinator(detector, p.pid());

    ChildProcesses.end(p);

    assertThat(detector.detect()).extracting(Coordinator::pid).doesNotContain(p.pid());
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void withoutAProcTreeTheDetectorReadsPs() throws Exception {
    Process p = startStandIn(llamaServerNamedShell(), holdScript());

    Coordinator found = awaitCoordinator(new CoordinatorDetector(dir.resolve("no-proc-here")), p.pid());

    assertThat(found.rpcServers()).isEqualTo(BOTH_RPC_SERVERS);
    assertThat(found.api()).contains(new HostPort("127.0.0.1", 8099));
  }

  @Test
  void aPsThatFailsGivesNoCoordinatorsRatherThanAnError() {
    Path noProc = dir.resolve("no-proc-here");

    assertThat(new CoordinatorDetector(noProc, List.of("false"), Duration.ofSeconds(5)).detect()).isEmpty();
    assertThat(new CoordinatorDetector(noProc, List.of(dir.resolve("no-such-ps").toString()), Duration.ofSeconds(5))
        .detect()).isEmpty();
    assertThat(new CoordinatorDetector(noProc, List.of("sleep", "30"), Duration.ofMillis(200)).detect()).isEmpty();
  }

  @Test
  void aLlamaServerStartedThroughTheDynamicLoaderIsStillACoordinator() throws Exception {
    Path proc = dir.resolve("proc");
    fakeProcess(proc, 4242, "/opt/llama/root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "--library-path",
        "/opt/llama/root/usr/lib/x86_64-linux-gnu:/opt/llama/root/usr/lib/x86_64-linux-gnu/llama",
        "/opt/llama/root/usr/bin/llama-server", "-m", "/models/tiny llama.gguf", "--host", "0.0.0.0", "--port",
        "8099", "--rpc", "127.0.0.1:50052,127.0.0.1:50053");
    fakeProcess(proc, 4343, "/lib/ld-linux-aarch64.so.1", "/usr/bin/llama-server", "--rpc=127.0.0.1:50054");

    assertThat(new CoordinatorDetector(proc).detect()).containsExactly(
        new Coordinator(4242, Optional.of(new HostPort("127.0.0.1", 8099)), BOTH_RPC_SERVERS),
        new Coordinator(4343, Optional.of(new HostPort("127.0.0.1", 8080)),
            List.of(new HostPort("127.0.0.1", 50054))));
  }

  @Test
  void placeholderRpcEntriesNeverReachTheResult() throws Exception {
    Path proc = dir.resolve("proc");
    fakeProcess(proc, 77, "/usr/bin/llama-server", "--rpc", "coordinator:0,127.0.0.1:0,,127.0.0.1:50052,",
        "--rpc", "coordinator:50053");

    assertThat(new CoordinatorDetector(proc).detect()).singleElement()
        .extracting(Coordinator::rpcServers).isEqualTo(List.of(new HostPort("127.0.0.1", 50052)));
  }

  @Test
  void processesThatVanishOrCannotBeReadAreSkippedSilently() throws Exception {
    Path proc = dir.resolve("proc");
    fakeProcess(proc, 10, "/usr/bin/llama-server", "--rpc", "127.0.0.1:50052");
    Files.createDirectories(proc.resolve("11")); // ended between listing and reading: no cmdline any more
    Files.createDirectories(proc.resolve("12").resolve("cmdline")); // a cmdline that cannot be read as a file
    Files.createDirectories(proc.resolve("13"));
    Files.write(proc.resolve("13").resolve("cmdline"), new byte[0]); // kernel thread or zombie
    fakeProcess(proc, 14, "/usr/bin/tail", "-f", "/var/log/llama-server.log");
    Files.createDirectories(proc.resolve("99999999999999999999")); // all digits, yet no pid: too long for a long
    Files.createDirectories(proc.resolve("self"));
    Files.writeString(proc.resolve("self").resolve("cmdline"), "/usr/bin/llama-server\0");
    Files.writeString(proc.resolve("uptime"), "1.0 1.0\n");

    assertThat(new CoordinatorDetector(proc).detect()).extracting(Coordinator::pid).containsExactly(10L);
  }

  @Test
  void theVertxFormCanBeCalledFromAnEventLoopAndAnswersOnIt() throws Exception {
    Path proc = dir.resolve("proc");
    fakeProcess(proc, 4242, "llama-server", "--rpc", "127.0.0.1:50052,127.0.0.1:50053", "--port", "8099");
    CoordinatorDetector detector = new CoordinatorDetector(proc);
    Vertx vertx = Vertx.vertx();
    try {
      CompletableFuture<List<Coordinator>> answeredOnEventLoop = new CompletableFuture<>();
      vertx.runOnContext(v -> detector.detect(vertx).onComplete(done -> {
        if (done.succeeded() && Context.isOnEventLoopThread()) {
          answeredOnEventLoop.complete(done.result());
        } else {
          answeredOnEventLoop.completeExceptionally(new AssertionError(
              "detect(vertx) must succeed and answer on the caller's event loop", done.cause()));
        }
      }));

      assertThat(answeredOnEventLoop.get(10, TimeUnit.SECONDS)).extracting(Coordinator::rpcServers)
          .containsExactly(BOTH_RPC_SERVERS);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** A shell under the name llama-server: argv[0] is then exactly what a directly started llama-server shows. */
  private Path llamaServerNamedShell() throws IOException {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    return Files.createSymbolicLink(bin.resolve("llama-server"), Path.of("/bin/sh"));
  }

  /** Waits on standard input, which the test holds open, so it runs until ended and never outlives the JVM. */
  private Path holdScript() throws IOException {
    return Files.writeString(dir.resolve("hold-stdin.sh"), "read -r _\n");
  }

  private Process startStandIn(Path... program) throws IOException {
    List<String> command = new ArrayList<>();
    for (Path part : program) {
      command.add(part.toString());
    }
    command.addAll(List.of("--rpc", "127.0.0.1:50052,127.0.0.1:50053", "--port", "8099"));
    return children.start(command, dir.resolve("stand-in-" + System.nanoTime() + ".log"));
  }

  private static Coordinator awaitCoordinator(CoordinatorDetector detector, long pid) {
    // Right after fork the child still shows the JVM's command line; the stand-in's appears once it has exec'd.
    return await().atMost(BOUND).until(
        () -> detector.detect().stream().filter(c -> c.pid() == pid).findFirst(), Optional::isPresent).orElseThrow();
  }

  private static void fakeProcess(Path proc, long pid, String... argv) throws IOException {
    Path pidDir = Files.createDirectories(proc.resolve(Long.toString(pid)));
    Files.write(pidDir.resolve("cmdline"), (String.join("\0", argv) + "\0").getBytes(StandardCharsets.UTF_8));
  }
}
