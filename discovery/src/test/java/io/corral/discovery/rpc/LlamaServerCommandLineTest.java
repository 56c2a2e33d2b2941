package io.corral.discovery.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.cluster.HostPort;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How one argument list is read: what makes a coordinator, and what its options say. */
class LlamaServerCommandLineTest {

  private static final HostPort RPC_A = new HostPort("127.0.0.1", 50052);
  private static final HostPort RPC_B = new HostPort("127.0.0.1", 50053);

  @Test
  void aLlamaServerInProgramPositionIsACoordinatorWithItsRpcServersAndApi() {
    Optional<Coordinator> c = parse("/usr/bin/llama-server", "--model", "/models/m.gguf", "--host", "127.0.0.1",
        "--port", "8099", "--rpc", "127.0.0.1:50052,127.0.0.1:50053", "--ctx-size", "2048", "--parallel", "1");

    assertThat(c).contains(new Coordinator(42, Optional.of(new HostPort("127.0.0.1", 8099)), List.of(RPC_A, RPC_B)));
  }

  @Test
  void withoutHostOrPortTheApiIsLlamaServersDefaultLoopback8080() {
    assertThat(parse("llama-server", "-m", "m.gguf").orElseThrow().api())
        .contains(new HostPort("127.0.0.1", 8080));
  }

  @Test
  void aCoordinatorBoundToEveryInterfaceIsReachedOnLoopback() {
    assertThat(parse("llama-server", "--host", "0.0.0.0", "--port", "8099").orElseThrow().api())
        .contains(new HostPort("127.0.0.1", 8099));
    assertThat(parse("llama-server", "--host", "::", "--port", "8099").orElseThrow().api())
        .contains(new HostPort("::1", 8099));
  }

  @Test
  void theEqualsFormOfEachOptionIsReadToo() {
    Coordinator c = parse("llama-server", "--rpc=127.0.0.1:50052,127.0.0.1:50053", "--host=127.0.0.2",
        "--port=8099").orElseThrow();

    assertThat(c.rpcServers()).containsExactly(RPC_A, RPC_B);
    assertThat(c.api()).contains(new HostPort("127.0.0.2", 8099));
  }

  @Test
  void repeatedRpcFlagsAddUpAndEachServerIsListedOnce() {
    Coordinator c = parse("llama-server", "--rpc", "127.0.0.1:50053", "--rpc=127.0.0.1:50052,127.0.0.1:50053",
        "--rpc", "LOCALHOST:50054,localhost:50054").orElseThrow();

    assertThat(c.rpcServers()).containsExactly(RPC_B, RPC_A, new HostPort("localhost", 50054));
  }

  @Test
  void theLastPortAndHostWinAsInLlamaServer() {
    assertThat(parse("llama-server", "--port", "8081", "--host", "127.0.0.3", "--port", "8099").orElseThrow().api())
        .contains(new HostPort("127.0.0.3", 8099));
  }

  @Test
  void aVersionedLlamaServerBinaryIsStillACoordinator() {
    assertThat(parse("/opt/llama/bin/llama-server-b4567", "--rpc", "127.0.0.1:50052")).isPresent();
  }

  @Test
  void aLlamaServerStartedThroughTheDynamicLoaderIsStillACoordinator() {
    Optional<Coordinator> x86 = parse("/tmp/llama/root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        "--library-path", "/tmp/llama/root/usr/lib/x86_64-linux-gnu:/tmp/llama/root/usr/lib/x86_64-linux-gnu/llama",
        "/tmp/llama/root/usr/bin/llama-server", "-m", "tiny.gguf", "--port", "8099", "--rpc", "127.0.0.1:50052");
    Optional<Coordinator> arm = parse("ld-linux-aarch64.so.1", "--argv0", "llama-server", "--inhibit-cache",
        "/usr/bin/llama-server", "--rpc", "127.0.0.1:50053");

    assertThat(x86).contains(new Coordinator(42, Optional.of(new HostPort("127.0.0.1", 8099)), List.of(RPC_A)));
    assertThat(arm.orElseThrow().rpcServers()).containsExactly(RPC_B);
  }

  @Test
  void aLoaderOptionValueNamedLikeLlamaServerIsNotTheProgram() {
    // --library-path takes a value; only the argument after it is the program the loader runs.
    assertThat(parse("ld-linux-x86-64.so.2", "--library-path", "/opt/llama-server/lib", "/usr/bin/ollama",
        "serve")).isEmpty();
  }

  @Test
  void aWrapperScriptNamedLlamaServerRunByAShellIsACoordinator() {
    assertThat(parse("/bin/sh", "-e", "/opt/llama/llama-server", "--rpc", "127.0.0.1:50052"))
        .map(Coordinator::rpcServers).contains(List.of(RPC_A));
  }

  @Test
  void placeholderEmptyAndMalformedRpcEntriesAreDropped() {
    Coordinator c = parse("llama-server", "--rpc",
        "coordinator:0,127.0.0.1:0,,127.0.0.1:50052, ,Coordinator:50052,127.0.0.1,127.0.0.1:abc,:50053,"
            + "127.0.0.1:70000,[::1]:50053,::1:50054").orElseThrow();

    assertThat(c.rpcServers()).containsExactly(RPC_A, new HostPort("::1", 50053));
  }

  @Test
  void aCoordinatorWhoseApiCannotBeToldIsStillReportedWithItsRpcServers() {
    // --port 0 makes llama-server bind a random port; a .sock host is a unix socket. Either way its rpc-servers
    // are in use and must stay protected.
    assertThat(parse("llama-server", "--port", "0", "--rpc", "127.0.0.1:50052").orElseThrow())
        .isEqualTo(new Coordinator(42, Optional.empty(), List.of(RPC_A)));
    assertThat(parse("llama-server", "--host", "/run/llama.sock", "--rpc", "127.0.0.1:50052").orElseThrow().api())
        .isEmpty();
    assertThat(parse("llama-server", "--port", "http").orElseThrow().api()).isEmpty();
  }

  @Test
  void anRpcOptionWithoutAValueAddsNothing() {
    assertThat(parse("llama-server", "--port", "8099", "--rpc").orElseThrow().rpcServers()).isEmpty();
  }

  @Test
  void processesThatOnlyMentionLlamaServerAreNotCoordinators() {
    assertThat(parse("tail", "-f", "/var/log/llama-server.log")).isEmpty();
    assertThat(parse("grep", "llama-server --rpc 127.0.0.1:50052")).isEmpty();
    assertThat(parse("systemctl", "status", "llama-server")).isEmpty();
    assertThat(parse("java", "-jar", "corral.jar", "--scan-ports", "8080:llama-server")).isEmpty();
    assertThat(parse("/bin/sh", "-c", "llama-server --rpc 127.0.0.1:50052")).isEmpty();
    assertThat(parse("bash", "-ec", "/usr/bin/llama-server")).isEmpty();
    assertThat(parse("/usr/bin/python3", "/opt/llama-server", "--rpc", "127.0.0.1:50052")).isEmpty();
    assertThat(parse("ld-linux-x86-64.so.2", "/usr/bin/ollama", "serve")).isEmpty();
    assertThat(parse("ld-linux-x86-64.so.2", "--list")).isEmpty();
    assertThat(LlamaServerCommandLine.parse(42, List.of())).isEmpty();
  }

  private static Optional<Coordinator> parse(String... argv) {
    return LlamaServerCommandLine.parse(42, List.of(argv));
  }
}
