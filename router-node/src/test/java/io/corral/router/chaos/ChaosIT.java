package io.corral.router.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.router.chaos.RequestOutcome.Api;
import io.corral.router.chaos.RequestOutcome.Result;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimStats;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The chaos suite (issue 6): three real corral member processes in front of a simulated fleet, under streaming
 * load at about 90% of the fleet's capacity, through five faults in a row: kill -9 a member, kill -9 the
 * leader, kill and restart a backend, a backend that stalls mid-stream, a backend that answers 503. Each starts
 * once the previous one recovered. After each the suite counts the client errors by cause, waits (bounded) for
 * every lease to be handed back, and reads from every simulator the most requests it ever held at once.
 *
 * <p>The targets it asserts: no client error for requests a failing backend had not started streaming (they
 * fail over); no error on members that stayed up when a member dies (requests on the killed member's own
 * connections are lost with it and counted apart); a new leader named within {@link #LEADER_RECOVERY_BOUND};
 * leaked slots 0; over-subscription at most 1.00. The measured table goes to {@code target/chaos/chaos-report.md}.
 *
 * <p>Implementation notes: the scenarios share one cluster and run in order. Members are started one by one
 * (the first alone, like corral-ctl, so nobody forms a cluster of its own) on ports found free, with a 1 s probe
 * interval and a 1 s idle timeout so faults are seen fast. Fault timing inside a scenario is a fixed timeline
 * (sleeps are the point here: the load must be running when the fault hits); everything that waits for the
 * cluster to react polls with a bound and reports the time it took.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosIT {

  private static final int MEMBERS = 3;
  private static final int BACKENDS = 4;
  private static final int SLOTS = 2;
  /** 7 clients for 8 slots: the fleet runs at about 90% of its capacity. */
  private static final int USERS = 7;
  private static final String MODEL = "llama3";
  /** Each scenario's load; the fault hits at {@link #FAULT_AT} and lasts {@link #FAULT_LASTS} when it ends. */
  private static final Duration LOAD = Duration.ofSeconds(10);
  private static final Duration FAULT_AT = Duration.ofMillis(2500);
  private static final Duration FAULT_LASTS = Duration.ofSeconds(3);
  /** The target is ~2 s; the bound is looser so a loaded 2-core CI machine does not make the suite flaky. */
  private static final Duration LEADER_RECOVERY_BOUND = Duration.ofSeconds(5);
  private static final Duration SETTLE_BOUND = Duration.ofSeconds(15);
  private static final Duration START_BOUND = Duration.ofSeconds(90);
  private static final String IDLE_TIMEOUT = "1s";

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final List<MemberProcess> members = new ArrayList<>();
  private final List<SimulatedBackend> backends = new ArrayList<>();
  /** Backends closed during the current scenario: their stats still count toward over-subscription. */
  private final List<SimulatedBackend> retired = new ArrayList<>();
  private Vertx vertx;
  private Path work;
  private ChaosReport report;
  private LoadGenerator load;

  @BeforeAll
  void startFleetAndCluster() throws Exception {
    Path jar = Path.of(System.getProperty("corral.jar", "target/corral.jar")).toAbsolutePath();
    assumeTrue(Files.isRegularFile(jar), "corral.jar is not built (" + jar + "): run 'mvn package' first");
    work = jar.getParent().resolve("chaos");
    Files.createDirectories(work);
    try (var old = Files.list(work)) {
      for (Path p : old.toList()) {
        Files.deleteIfExists(p);
      }
    }

    vertx = Vertx.vertx();
    for (int i = 0; i < BACKENDS; i++) {
      backends.add(startBackend(freePort()));
    }
    Path backendsFile = work.resolve("backends.txt");
    Files.write(backendsFile, backends.stream().map(b -> b.url() + ";slots=" + SLOTS + ";kind=ollama").toList());

    String cluster = "chaos-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> hazelcastPorts = IntStream.range(0, MEMBERS).mapToObj(i -> freePort()).toList();
    String join = String.join(",", hazelcastPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    // One dashboard port for all: only the leader binds it, and a new leader takes it over.
    String dashboardPort = Integer.toString(freePort());
    for (int i = 0; i < MEMBERS; i++) {
      int api = freePort();
      List<String> flags = List.of("--host", "127.0.0.1", "--port", Integer.toString(api),
          "--cluster-name", cluster, "--hazelcast-port", hazelcastPorts.get(i).toString(), "--join", join,
          "--backends-file", backendsFile.toString(), "--dashboard-port", dashboardPort,
          "--probe-interval", "1s", "--idle-timeout", IDLE_TIMEOUT, "--first-token-timeout", "5s",
          "--connect-timeout", "1s", "--breaker-cool-down", "2s", "--drain-timeout", "2s",
          "--partition-count", "31");
      members.add(new MemberProcess("member-" + (i + 1), api, MemberProcess.corralStart(jar, flags), work));
    }
    members.get(0).start();
    await().atMost(START_BOUND).pollInterval(Duration.ofMillis(250))
        .until(() -> view(members.get(0)).isPresent());
    for (int i = 1; i < MEMBERS; i++) {
      members.get(i).start();
    }
    load = new LoadGenerator(http, members.stream().map(MemberProcess::apiUrl).toList(), USERS, MODEL);
    awaitWholeClusterServing();

    report = new ChaosReport(work.resolve("chaos-report.md"), String.format(
        "%d corral members (separate JVMs), %d simulated Ollama backends x %d slots (~200 ms per streamed answer),"
            + " %d closed-loop streaming clients (about 90%% of capacity; 4/5 /api/generate NDJSON, 1/5 "
            + "/v1/chat/completions SSE) round-robin over the members for %d s per fault, fault at %.1f s; "
            + "--probe-interval 1s --idle-timeout %s --breaker-cool-down 2s.",
        MEMBERS, BACKENDS, SLOTS, USERS, LOAD.toSeconds(), FAULT_AT.toMillis() / 1000.0, IDLE_TIMEOUT));
    // A short warm-up so the first scenario does not measure the members' JIT and connection set-up.
    load.run(Duration.ofSeconds(3)).get(60, TimeUnit.SECONDS);
    settle();
    backends.forEach(SimulatedBackend::resetStats);
  }

  @AfterAll
  void stopEverything() throws Exception {
    for (MemberProcess m : members) {
      m.kill(); // the cluster is throw-away; SIGKILL is quicker than draining
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    if (report != null) {
      System.out.println("\n=== chaos report (" + work.resolve("chaos-report.md") + ") ===\n" + report.markdown());
    }
  }

  // ------------------------------------------------------------------------------------------------ scenarios

  @Test
  @Order(1)
  void killingANonLeaderMemberLosesOnlyTheRequestsItHeldAndTheSurvivorsKeepServingWithoutErrors()
      throws Exception {
    String leaderBefore = leaderId();
    int victim = indexOfMemberWhere(m -> !m.leader());
    List<MemberProcess> survivors = allBut(victim);

    CompletableFuture<List<RequestOutcome>> running = load.run(LOAD);
    long start = System.nanoTime();
    sleepUntil(start + FAULT_AT.toNanos());
    long killedAt = System.nanoTime();
    members.get(victim).kill();
    long leftMillis = millisUntil(killedAt, () -> survivors.stream().allMatch(s ->
        view(s).map(v -> v.members().size() == MEMBERS - 1).orElse(false)));
    List<RequestOutcome> outcomes = running.get(60, TimeUnit.SECONDS);

    ScenarioEnd end = endOfScenario("kill -9 a non-leader member (" + members.get(victim).name() + ")",
        outcomes, Set.of(victim), "survivors dropped it from the cluster", leftMillis);
    String leaderAfter = leaderId();
    restart(victim);

    SoftAssertions soft = new SoftAssertions();
    assertTargets(soft, end);
    soft.assertThat(end.clients().afterStreamingBegan()).as("stream errors on surviving members").isZero();
    soft.assertThat(leaderAfter).as("the leader stays where it was").isEqualTo(leaderBefore);
    soft.assertThat(end.clients().ok()).as("the cluster kept routing").isGreaterThan(0);
    soft.assertAll();
  }

  @Test
  @Order(2)
  void killingTheLeaderHandsTheLeaderRoleToASurvivorWithinSecondsWithoutErrorsOnTheSurvivors() throws Exception {
    String leaderBefore = leaderId();
    int victim = indexOfMemberWhere(ClusterView.Member::leader);
    List<MemberProcess> survivors = allBut(victim);

    CompletableFuture<List<RequestOutcome>> running = load.run(LOAD);
    long start = System.nanoTime();
    sleepUntil(start + FAULT_AT.toNanos());
    long killedAt = System.nanoTime();
    members.get(victim).kill();
    // A survivor names a new leader that is not the dead one: the moment clients and the dashboard can rely on.
    long newLeaderMillis = millisUntil(killedAt, () -> survivors.stream().anyMatch(s -> view(s)
        .map(v -> !v.leaderId().isEmpty() && !v.leaderId().equals(leaderBefore)).orElse(false)));
    List<RequestOutcome> outcomes = running.get(60, TimeUnit.SECONDS);

    ScenarioEnd end = endOfScenario("kill -9 the leader (" + members.get(victim).name() + ")", outcomes,
        Set.of(victim), "a survivor names a new leader", newLeaderMillis);
    ClusterView after = view(survivors.get(0)).orElseThrow();
    restart(victim);

    SoftAssertions soft = new SoftAssertions();
    assertTargets(soft, end);
    soft.assertThat(end.clients().afterStreamingBegan()).as("stream errors on surviving members").isZero();
    soft.assertThat(after.leaderApiUrl()).as("the new leader is a survivor")
        .isIn(survivors.stream().map(MemberProcess::apiUrl).toList());
    soft.assertThat(Duration.ofMillis(newLeaderMillis)).as("leader recovery").isLessThan(LEADER_RECOVERY_BOUND);
    soft.assertThat(end.clients().ok()).as("the cluster kept routing").isGreaterThan(0);
    soft.assertAll();
  }

  @Test
  @Order(3)
  void aBackendThatDiesAndReturnsCostsOnlyTheStreamsItWasServingAndIsUsedAgainOnceItsProbePasses()
      throws Exception {
    int victim = 1;
    SimulatedBackend dying = backends.get(victim);
    int port = dying.port();
    String url = dying.url();

    CompletableFuture<List<RequestOutcome>> running = load.run(LOAD);
    long start = System.nanoTime();
    sleepUntil(start + FAULT_AT.toNanos());
    retired.add(dying);
    join(dying.crash()); // connections reset, port closed: what kill -9 of the backend's process does
    sleepUntil(start + FAULT_AT.plus(FAULT_LASTS).toNanos());
    SimulatedBackend back = startBackend(port);
    backends.set(victim, back);
    long restartedAt = System.nanoTime();
    long servingMillis = millisUntil(restartedAt, () -> back.stats().requestsStarted() > 0
        && members.stream().allMatch(m -> view(m).map(v -> v.backendUp(url)).orElse(false)));
    List<RequestOutcome> outcomes = running.get(60, TimeUnit.SECONDS);

    ScenarioEnd end = endOfScenario("crash a backend, restart it " + FAULT_LASTS.toSeconds() + " s later",
        outcomes, Set.of(), "restarted backend up and serving again", servingMillis);

    SoftAssertions soft = new SoftAssertions();
    assertTargets(soft, end);
    // Only the streams the dead backend was serving (at most its slots) may end early, with an error line.
    soft.assertThat(end.clients().afterStreamingBegan()).as("streams cut by the backend's death")
        .isLessThanOrEqualTo(SLOTS);
    soft.assertThat(streamFailuresFrom(outcomes)).as("backends of cut streams").allMatch(url::equals);
    // The crash caught some requests: streams it was serving end with an error line, and requests it had not
    // answered yet (or that reached it before the members saw it down) fail over. How many fall in each group is
    // timing: a run can have no request between grant and first byte there (0 failed over in about 1 run in 50).
    soft.assertThat(end.clients().failedOver() + end.clients().afterStreamingBegan())
        .as("requests the crash caught (failed over + cut streams)").isGreaterThan(0);
    soft.assertAll();
  }

  @Test
  @Order(4)
  void aBackendThatStallsMidStreamEndsThoseStreamsWithAnErrorInTheApisFramingAndNothingElseFails()
      throws Exception {
    SimulatedBackend stalling = backends.get(2);

    CompletableFuture<List<RequestOutcome>> running = load.run(LOAD);
    long start = System.nanoTime();
    sleepUntil(start + FAULT_AT.toNanos());
    stalling.faults().stallAfterChunks(3);
    sleepUntil(start + FAULT_AT.plus(FAULT_LASTS).toNanos());
    long completedBefore = stalling.stats().requestsCompleted();
    stalling.faults().clear();
    long clearedAt = System.nanoTime();
    long servingMillis = millisUntil(clearedAt, () -> stalling.stats().requestsCompleted() > completedBefore);
    List<RequestOutcome> outcomes = running.get(60, TimeUnit.SECONDS);

    ScenarioEnd end = endOfScenario("a backend stalls mid-stream for " + FAULT_LASTS.toSeconds() + " s",
        outcomes, Set.of(), "backend completes a stream again after the stall ends", servingMillis);

    SoftAssertions soft = new SoftAssertions();
    assertTargets(soft, end);
    soft.assertThat(end.clients().afterStreamingBegan()).as("stalled streams the clients were told about")
        .isGreaterThan(0);
    soft.assertThat(end.clients().streamErrorLines()).as("stalled streams ended by an error line/event, not a "
        + "broken connection").isEqualTo(end.clients().afterStreamingBegan());
    soft.assertThat(streamFailuresFrom(outcomes)).as("backends of stalled streams").allMatch(stalling.url()::equals);
    soft.assertAll();
  }

  @Test
  @Order(5)
  void aBackendAnswering503IsFailedOverWithoutASingleClientError() throws Exception {
    SimulatedBackend failing = backends.get(3);

    CompletableFuture<List<RequestOutcome>> running = load.run(LOAD);
    long start = System.nanoTime();
    sleepUntil(start + FAULT_AT.toNanos());
    failing.faults().failWith(503, -1);
    sleepUntil(start + FAULT_AT.plus(FAULT_LASTS).toNanos());
    long startedBefore = failing.stats().requestsStarted();
    failing.faults().clear();
    long clearedAt = System.nanoTime();
    long servingMillis = millisUntil(clearedAt, () -> failing.stats().requestsStarted() > startedBefore);
    List<RequestOutcome> outcomes = running.get(60, TimeUnit.SECONDS);

    ScenarioEnd end = endOfScenario("a backend answers 503 for " + FAULT_LASTS.toSeconds() + " s", outcomes,
        Set.of(), "backend serves again after the 503s end", servingMillis);

    SoftAssertions soft = new SoftAssertions();
    assertTargets(soft, end);
    soft.assertThat(end.clients().afterStreamingBegan()).as("stream errors").isZero();
    soft.assertThat(end.clients().failedOver()).as("requests that failed over").isGreaterThan(0);
    soft.assertAll();
  }

  // ------------------------------------------------------------------------------------------------ checks

  /** What is left to check once a scenario's load ended. */
  private record ScenarioEnd(ClientTally clients, int leakedSlots, double maxOverSubscription) {}

  /**
   * Ends a scenario: tallies the clients' outcomes, waits (bounded) for the ledger to hand back every lease,
   * reads the simulators' peak concurrency, writes the report row and resets the simulators for the next one.
   */
  private ScenarioEnd endOfScenario(String fault, List<RequestOutcome> outcomes, Set<Integer> killed,
      String recovery, long recoveryMillis) throws IOException {
    ClientTally clients = ClientTally.of(outcomes, killed, members.stream().map(MemberProcess::name).toList());
    int leaked = settle();
    double over = maxOverSubscription();
    report.add(new ChaosReport.Row(fault, clients, recovery, recoveryMillis, leaked, over));
    logFailures(fault, outcomes);
    retired.clear();
    backends.forEach(SimulatedBackend::resetStats);
    return new ScenarioEnd(clients, leaked, over);
  }

  /** The targets every scenario must meet. */
  private static void assertTargets(SoftAssertions soft, ScenarioEnd end) {
    ClientTally c = end.clients();
    soft.assertThat(c.accountedFor()).as("every request classified once").isEqualTo(c.sent());
    soft.assertThat(c.beforeFirstByte()).as("errors before the first byte on members that stayed up (%s)",
        c.errorDetail()).isZero();
    soft.assertThat(end.leakedSlots()).as("leaked slots").isZero();
    soft.assertThat(end.maxOverSubscription()).as("max over-subscription").isLessThanOrEqualTo(1.0);
  }

  private static List<String> streamFailuresFrom(List<RequestOutcome> outcomes) {
    return outcomes.stream().filter(o -> o.result().afterStreamingBegan()).map(RequestOutcome::backend).toList();
  }

  /**
   * Waits (bounded) until a live member's ledger shows no lease and no waiting ticket; returns the leases left
   * (0 unless some leaked).
   */
  private int settle() {
    long deadline = System.nanoTime() + SETTLE_BOUND.toNanos();
    Optional<ClusterView> last = Optional.empty();
    while (System.nanoTime() < deadline) {
      last = anyView();
      if (last.isPresent() && last.get().inFlightTotal() == 0 && last.get().queueDepth() == 0) {
        return 0;
      }
      pause(Duration.ofMillis(100));
    }
    return last.map(v -> v.inFlightTotal() + v.queueDepth()).orElse(-1);
  }

  /** The most requests any backend held at once (running + waiting at the simulator), over its slots. */
  private double maxOverSubscription() {
    List<SimulatedBackend> all = new ArrayList<>(backends);
    all.addAll(retired);
    return all.stream().mapToDouble(b -> {
      SimStats s = b.stats();
      return (double) s.maxConcurrent() / b.slots();
    }).max().orElse(0);
  }

  private void logFailures(String fault, List<RequestOutcome> outcomes) throws IOException {
    List<String> lines = new ArrayList<>(List.of("## " + fault));
    long t0 = outcomes.stream().mapToLong(RequestOutcome::startNanos).min().orElse(0);
    outcomes.stream().filter(o -> !o.ok()).forEach(o -> lines.add(String.format(
        "+%d ms .. +%d ms %s %s %s status=%d backend=%s attempts=%d %s", (o.startNanos() - t0) / 1_000_000,
        (o.endNanos() - t0) / 1_000_000, members.get(o.member()).name(), o.api(), o.result(), o.status(),
        o.backend(), o.attempts(), o.detail())));
    Files.write(work.resolve("failed-requests.log"), lines, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }

  // ------------------------------------------------------------------------------------------------ cluster

  private void restart(int member) throws IOException {
    members.get(member).start();
    awaitWholeClusterServing();
  }

  /** Every member is up, sees all members and every backend up, and serves one streamed request. */
  private void awaitWholeClusterServing() {
    Set<String> urls = Set.copyOf(backends.stream().map(SimulatedBackend::url).toList());
    await().atMost(START_BOUND).pollInterval(Duration.ofMillis(250)).until(() -> members.stream().allMatch(m ->
        view(m).map(v -> v.members().size() == MEMBERS && urls.stream().allMatch(v::backendUp)).orElse(false)));
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      for (int i = 0; i < MEMBERS; i++) {
        RequestOutcome probe = load.send(i, Api.OLLAMA_GENERATE).get(30, TimeUnit.SECONDS);
        assertThat(probe.result()).as("%s serves: %s", members.get(i).name(), probe.detail()).isEqualTo(Result.OK);
      }
    });
  }

  private Optional<ClusterView> view(MemberProcess m) {
    return m.isAlive() ? ClusterView.of(http, m.apiUrl()) : Optional.empty();
  }

  private Optional<ClusterView> anyView() {
    return members.stream().map(this::view).flatMap(Optional::stream).findFirst();
  }

  private String leaderId() {
    return anyView().map(ClusterView::leaderId).orElseThrow();
  }

  private int indexOfMemberWhere(java.util.function.Predicate<ClusterView.Member> p) {
    ClusterView v = anyView().orElseThrow();
    String url = v.members().stream().filter(p).findFirst().orElseThrow().apiUrl();
    return IntStream.range(0, members.size()).filter(i -> members.get(i).apiUrl().equals(url)).findFirst()
        .orElseThrow(() -> new IllegalStateException("no member process serves " + url));
  }

  private List<MemberProcess> allBut(int index) {
    return IntStream.range(0, members.size()).filter(i -> i != index).mapToObj(members::get).toList();
  }

  private SimulatedBackend startBackend(int port) {
    // ~40 ms to the first token, then 8 tokens at 50/s: about 200 ms per streamed answer.
    SimBackendOptions options = SimBackendOptions.ollama(MODEL).withSlots(SLOTS)
        .withFirstTokenDelay(Duration.ofMillis(40)).withTokensPerSecond(50).withDefaultTokens(8);
    return join(SimulatedBackend.start(vertx, options, "127.0.0.1", port));
  }

  // ------------------------------------------------------------------------------------------------ time

  /** Polls every 20 ms (bounded by 30 s) and returns the milliseconds from {@code since} until it held. */
  private static long millisUntil(long since, BooleanSupplier condition) {
    long deadline = since + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return Duration.ofSeconds(30).toMillis();
      }
      pause(Duration.ofMillis(20));
    }
    return (System.nanoTime() - since) / 1_000_000;
  }

  private static void sleepUntil(long nanos) {
    long left = nanos - System.nanoTime();
    if (left > 0) {
      pause(Duration.ofNanos(left));
    }
  }

  private static void pause(Duration d) {
    try {
      Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static <T> T join(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A free loopback port in 20000-29999, below the Linux ephemeral range, so that no outgoing connection takes
   * it while its member or backend is down and it can be bound again on restart.
   */
  private static int freePort() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = java.util.concurrent.ThreadLocalRandom.current().nextInt(20_000, 30_000);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free loopback port found in 20000-29999");
  }
}
