package io.corral.discovery.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.HostPort;
import io.corral.cluster.backends.BackendKind;
import io.corral.discovery.fingerprint.BackendFingerprinter;
import io.corral.discovery.net.BackendReads;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scanner against real sockets on loopback only (127.0.0.x and 127.0.1.x: Linux routes all of 127/8 to
 * the loopback interface, so each fixture gets an address of its own).
 */
class NetworkScannerTest {

  /** Generous: a loaded 2-core machine must not turn a correct scan into a failure. */
  private static final Duration SCAN_BOUND = Duration.ofSeconds(20);

  private static final Logger log = LoggerFactory.getLogger(NetworkScannerTest.class);

  private static Vertx vertx;
  private static BackendReads webClient;
  private final List<Supplier<Future<?>>> cleanup = new ArrayList<>();

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
    webClient = BackendReads.unrestricted(vertx, vertx.createHttpClient());
  }

  @AfterAll
  static void stopVertx() throws Exception {
    join(vertx.close());
  }

  @AfterEach
  void closeFixtures() throws Exception {
    for (Supplier<Future<?>> close : cleanup) {
      join(close.get());
    }
  }

  @Test
  void aScanOfALoopbackSubnetFindsExactlyWhatListensThereWithTheRightKinds() throws Exception {
    SimulatedBackend ollama = ollama("127.0.0.9");
    ollama.markLoaded("qwen2.5:0.5b");
    SimulatedBackend llama = llamaServer("127.0.0.10", 3);
    RawTcpListener silent = rawListener("127.0.0.12");
    HttpServer member = corralMember("127.0.0.13");
    Map<Integer, PortKind> kinds = new LinkedHashMap<>();
    kinds.putIfAbsent(ollama.port(), PortKind.OLLAMA);
    kinds.putIfAbsent(llama.port(), PortKind.LLAMA_SERVER);
    kinds.putIfAbsent(silent.port(), PortKind.LLAMA_SERVER);
    kinds.putIfAbsent(member.actualPort(), PortKind.AUTO);
    RawTcpListener rpc = rawListenerAvoiding("127.0.0.11", kinds.keySet());
    kinds.put(rpc.port(), PortKind.RPC_SERVER);
    List<ScanPort> ports = kinds.entrySet().stream().map(e -> new ScanPort(e.getKey(), e.getValue())).toList();

    ScanReport report = join(scanner(Duration.ofSeconds(1)).scan(List.of(ScanRange.parse("127.0.0.8/29")), ports));

    // Listed in scan order (by host), although the silent endpoint on .12 is the last to be concluded.
    assertThat(report.endpoints())
        .extracting(FoundEndpoint::address, FoundEndpoint::port, FoundEndpoint::status, FoundEndpoint::kind)
        .containsExactly(
            tuple("127.0.0.9", ollama.port(), EndpointStatus.BACKEND, BackendKind.OLLAMA),
            tuple("127.0.0.10", llama.port(), EndpointStatus.BACKEND, BackendKind.LLAMA_SERVER),
            tuple("127.0.0.11", rpc.port(), EndpointStatus.PRESUMED_RPC_SERVER, BackendKind.RPC_SERVER),
            tuple("127.0.0.12", silent.port(), EndpointStatus.UNKNOWN, BackendKind.UNKNOWN),
            tuple("127.0.0.13", member.actualPort(), EndpointStatus.CORRAL_MEMBER, BackendKind.UNKNOWN));
    FoundEndpoint foundOllama = report.endpoints().get(0);
    assertThat(foundOllama.version()).isEqualTo(SimBackendOptions.DEFAULT_OLLAMA_VERSION);
    assertThat(foundOllama.models()).containsExactlyInAnyOrder("llama3:latest", "qwen2.5:0.5b");
    assertThat(foundOllama.loadedModels()).containsExactly("qwen2.5:0.5b");
    assertThat(foundOllama.backendId().value()).isEqualTo("http://127.0.0.9:" + ollama.port());
    assertThat(report.endpoints().get(1).reportedSlots()).isEqualTo(3);
    assertThat(report.endpoints().get(1).ready()).isTrue();

    assertThat(report.hosts()).isEqualTo(6);
    assertThat(report.portsTried()).isEqualTo(6L * ports.size());
    assertThat(report.open()).isEqualTo(5);
    assertThat(report.closed()).isEqualTo(6L * ports.size() - 5);
    assertThat(report.skipped()).isZero();
    assertThat(report.elapsed()).isLessThan(SCAN_BOUND);
    await().atMost(Duration.ofSeconds(5)).until(() -> rpc.closedByPeer().get() == 1);
    assertThat(rpc.bytesReceived()).hasValue(0);
  }

  @Test
  void anRpcServerPortGetsOneBareConnectClosedAtOnceAndNotASingleByte() throws Exception {
    RawTcpListener rpc = rawListener("127.0.0.21");

    ScanReport report = scanOne("127.0.0.21", rpc.port(), PortKind.RPC_SERVER);

    assertThat(report.endpoints()).singleElement().satisfies(e -> {
      assertThat(e.status()).isEqualTo(EndpointStatus.PRESUMED_RPC_SERVER);
      assertThat(e.kind()).isEqualTo(BackendKind.RPC_SERVER);
      assertThat(e.detail()).contains("tcp open");
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> rpc.closedByPeer().get() == 1);
    assertThat(rpc.accepted()).hasValue(1);
    assertThat(rpc.bytesReceived()).hasValue(0);
  }

  @Test
  void aPortThatAcceptsAndNeverAnswersIsRecordedAsUnknownWithinTheProbeTimeout() throws Exception {
    RawTcpListener silent = rawListener("127.0.0.22");
    // The fingerprinter alone would wait 60 s per request; only the scanner's probe timeout can end this early.
    NetworkScanner scanner = new NetworkScanner(vertx, new BackendFingerprinter(webClient, 60_000),
        ScannerOptions.DEFAULTS.withProbeTimeout(Duration.ofMillis(500)));

    ScanReport report = join(scanner.scan(List.of(ScanRange.parse("127.0.0.22")),
        List.of(new ScanPort(silent.port(), PortKind.OLLAMA))));

    assertThat(report.endpoints()).singleElement().satisfies(e -> {
      assertThat(e.status()).isEqualTo(EndpointStatus.UNKNOWN);
      assertThat(e.kind()).isEqualTo(BackendKind.UNKNOWN);
      assertThat(e.detail()).contains("no complete HTTP answer within 500 ms");
    });
    assertThat(report.elapsed()).isLessThan(SCAN_BOUND);
  }

  @Test
  void anEndpointAnsweringWithTheCorralMemberHeaderIsRecordedAsAMemberAndNeverAsABackend() throws Exception {
    HttpServer member = corralMember("127.0.0.23");

    ScanReport report = scanOne("127.0.0.23", member.actualPort(), PortKind.OLLAMA);

    assertThat(report.backends()).isEmpty();
    assertThat(report.withStatus(EndpointStatus.CORRAL_MEMBER)).singleElement()
        .satisfies(e -> assertThat(e.detail()).contains("corral member").contains("127.0.0.23:8000"));
  }

  @Test
  void anHttpServerThatAnswersNoKnownProtocolIsUnknownNotGuessedFromItsPort() throws Exception {
    HttpServer other = join(vertx.createHttpServer()
        .requestHandler(req -> req.response().setStatusCode(404).end("no such page"))
        .listen(0, "127.0.0.24"));
    cleanup.add(other::close);

    ScanReport report = scanOne("127.0.0.24", other.actualPort(), PortKind.LLAMA_SERVER);

    assertThat(report.endpoints()).singleElement().satisfies(e -> {
      assertThat(e.status()).isEqualTo(EndpointStatus.UNKNOWN);
      assertThat(e.kind()).isEqualTo(BackendKind.UNKNOWN);
      assertThat(e.detail()).contains("answers none");
    });
  }

  @Test
  void aBackendOnAPortExpectedToServeAnotherKindIsRecordedAsWhatItAnswers() throws Exception {
    SimulatedBackend llama = llamaServer("127.0.0.25", 1);
    SimulatedBackend ollama = ollama("127.0.0.26");

    ScanReport report = join(scanner(Duration.ofSeconds(1)).scan(List.of(ScanRange.parse("127.0.0.24/30")),
        List.of(new ScanPort(llama.port(), PortKind.OLLAMA), new ScanPort(ollama.port(), PortKind.LLAMA_SERVER))));

    assertThat(report.backends()).extracting(FoundEndpoint::address, FoundEndpoint::kind).containsExactly(
        tuple("127.0.0.25", BackendKind.LLAMA_SERVER), tuple("127.0.0.26", BackendKind.OLLAMA));
  }

  @Test
  void anAutoPortIsFingerprintedWithoutAnyExpectation() throws Exception {
    SimulatedBackend ollama = ollama("127.0.0.27");

    ScanReport report = scanOne("127.0.0.27", ollama.port(), PortKind.AUTO);

    assertThat(report.backends()).singleElement().satisfies(e -> {
      assertThat(e.kind()).isEqualTo(BackendKind.OLLAMA);
      assertThat(e.portKind()).isEqualTo(PortKind.AUTO);
    });
  }

  @Test
  void closedPortsProduceNoEndpointButAreCounted() throws Exception {
    List<ScanPort> ports = List.of(new ScanPort(freePort("127.0.0.29"), PortKind.OLLAMA),
        new ScanPort(freePort("127.0.0.29"), PortKind.RPC_SERVER));

    ScanReport report = join(scanner(Duration.ofSeconds(1)).scan(List.of(ScanRange.parse("127.0.0.28/30")), ports));

    assertThat(report.endpoints()).isEmpty();
    assertThat(report.hosts()).isEqualTo(2);
    assertThat(report.portsTried()).isEqualTo(4);
    assertThat(report.closed()).isEqualTo(4);
    assertThat(report.open()).isZero();
  }

  @Test
  void skippedPairsAreNeverConnectedTo() throws Exception {
    RawTcpListener rpc = rawListener("127.0.0.30");

    ScanReport report = join(scanner(Duration.ofSeconds(1)).scan(List.of(ScanRange.parse("127.0.0.30")),
        List.of(new ScanPort(rpc.port(), PortKind.RPC_SERVER)), Set.of(new HostPort("127.0.0.30", rpc.port()))));

    assertThat(report.endpoints()).isEmpty();
    assertThat(report.skipped()).isEqualTo(1);
    assertThat(report.portsTried()).isZero();
    assertThat(rpc.accepted()).hasValue(0);
  }

  @Test
  void withConcurrencyOneTheEndpointsAreWorkedOnOneAfterAnother() throws Exception {
    List<ScanRange> hosts = new ArrayList<>();
    List<ScanPort> ports = new ArrayList<>();
    for (String host : List.of("127.0.0.33", "127.0.0.34", "127.0.0.35")) {
      RawTcpListener silent = rawListener(host);
      hosts.add(ScanRange.parse(host));
      ports.add(new ScanPort(silent.port(), PortKind.AUTO));
    }
    NetworkScanner oneAtATime = new NetworkScanner(vertx, new BackendFingerprinter(webClient, 60_000),
        ScannerOptions.DEFAULTS.withConcurrency(1).withProbeTimeout(Duration.ofMillis(300)));

    ScanReport report = join(oneAtATime.scan(hosts, ports.stream().distinct().toList()));

    // Three silent endpoints, each held for the whole probe timeout: in sequence that cannot take less than 900 ms.
    assertThat(report.withStatus(EndpointStatus.UNKNOWN)).hasSize(3);
    assertThat(report.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(900));
  }

  @Test
  void aSlash24OnThreeMostlyClosedPortsFinishesInAFewSeconds() throws Exception {
    SimulatedBackend ollama = ollama("127.0.1.77");
    List<ScanPort> ports = List.of(new ScanPort(ollama.port(), PortKind.OLLAMA),
        new ScanPort(freePort("127.0.1.1"), PortKind.LLAMA_SERVER),
        new ScanPort(freePort("127.0.1.1"), PortKind.RPC_SERVER));

    ScanReport report = join(scanner(Duration.ofSeconds(2)).scan(List.of(ScanRange.parse("127.0.1.0/24")), ports));

    assertThat(report.backends()).extracting(FoundEndpoint::address).containsExactly("127.0.1.77");
    assertThat(report.hosts()).isEqualTo(254);
    assertThat(report.portsTried()).isEqualTo(254L * 3);
    assertThat(report.closed()).isEqualTo(254L * 3 - 1);
    assertThat(report.elapsed()).isLessThan(SCAN_BOUND);
    log.info("event=sweep_measured range=127.0.1.0/24 ports=3 elapsed_ms={}", report.elapsed().toMillis());
  }

  // --- fixtures: every one binds a 127.0.x.y address and port 0, and is closed after the test ---

  /** Scans one host on one port with a 1 s probe timeout. */
  private ScanReport scanOne(String host, int port, PortKind kind) throws Exception {
    return join(scanner(Duration.ofSeconds(1)).scan(List.of(ScanRange.parse(host)), List.of(new ScanPort(port, kind))));
  }

  private NetworkScanner scanner(Duration probeTimeout) {
    return new NetworkScanner(vertx, new BackendFingerprinter(webClient, probeTimeout.toMillis()),
        ScannerOptions.DEFAULTS.withProbeTimeout(probeTimeout));
  }

  private SimulatedBackend ollama(String host) throws Exception {
    SimulatedBackend backend = join(SimulatedBackend.start(vertx,
        SimBackendOptions.ollama("llama3", "qwen2.5:0.5b"), host, 0));
    cleanup.add(backend::close);
    return backend;
  }

  private SimulatedBackend llamaServer(String host, int slots) throws Exception {
    SimulatedBackend backend = join(SimulatedBackend.start(vertx,
        SimBackendOptions.llamaServer("tiny").withSlots(slots), host, 0));
    cleanup.add(backend::close);
    return backend;
  }

  private RawTcpListener rawListener(String host) throws Exception {
    RawTcpListener listener = join(RawTcpListener.start(vertx, host));
    cleanup.add(listener::close);
    return listener;
  }

  /** A listener whose port differs from {@code taken}: ephemeral ports of different addresses may coincide. */
  private RawTcpListener rawListenerAvoiding(String host, Set<Integer> taken) throws Exception {
    RawTcpListener listener = rawListener(host);
    while (taken.contains(listener.port())) {
      listener = rawListener(host);
    }
    return listener;
  }

  /** An HTTP server that answers like Ollama but as corral member 127.0.0.23:8000 would. */
  private HttpServer corralMember(String host) throws Exception {
    HttpServer server = join(vertx.createHttpServer().requestHandler(req -> req.response()
        .putHeader(BackendFingerprinter.CORRAL_MEMBER_HEADER, host + ":8000")
        .putHeader("Content-Type", "application/json")
        .end("{\"version\":\"0.12.6\",\"models\":[]}")).listen(0, host));
    cleanup.add(server::close);
    return server;
  }

  /** A port nothing listens on at {@code host} (nor on the wildcard address, which would conflict). */
  private static int freePort(String host) throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return socket.getLocalPort();
    }
  }

  private static <T> T join(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
