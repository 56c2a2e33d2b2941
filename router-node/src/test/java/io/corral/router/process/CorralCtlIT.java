package io.corral.router.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Drives {@code scripts/corral-ctl} the way an operator does, with real processes: a simulated fleet
 * ({@code corral-ctl sim start}) and a three-member cluster on loopback, then status, logs, one real chat request,
 * a refused second start and a graceful stop.
 *
 * <p>Implementation notes: the steps share one cluster, so they run in order. corral-ctl takes its first API and
 * Hazelcast ports from env and scans upward, so the test hands it random high ranges it found free (not port 0),
 * a fresh CORRAL_CTL_HOME and a random cluster name. Every PID corral-ctl recorded is remembered, and
 * {@link #cleanUp()} kills whichever of them still runs the corral jar, even when a step failed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CorralCtlIT {

  private static final int MEMBERS = 3;
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration CTL_TIMEOUT = Duration.ofSeconds(120);
  private static final Pattern RUNNING_ROW = Pattern.compile("(?m)^member-\\d+\\s+running\\s");
  private static final Pattern TIMESTAMPED_LOG = Pattern.compile("member-2-\\d{8}-\\d{6}\\.log");

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(3)).build();
  private final ObjectMapper json = new ObjectMapper();
  private final Set<Long> recordedPids = new HashSet<>();

  private Path root;
  private Path jar;
  private Path home;
  private int apiBase;
  private int hazelcastBase;
  private String cluster;
  private ServerSocket occupiedApiPort;

  @BeforeAll
  void startSimulatedFleet() throws Exception {
    jar = Path.of(System.getProperty("corral.jar", "target/corral.jar")).toAbsolutePath();
    assumeTrue(Files.isRegularFile(jar), "corral.jar is not built (" + jar + "): run 'mvn package' first");
    assumeTrue(Files.isDirectory(Path.of("/proc/self")), "corral-ctl needs Linux /proc");
    String rootProperty = System.getProperty("corral.root");
    root = rootProperty != null ? Path.of(rootProperty) : jar.getParent().getParent().getParent();
    assumeTrue(Files.isRegularFile(root.resolve("scripts/corral-ctl")), "no scripts/corral-ctl under " + root);

    home = Files.createTempDirectory("corral-ctl-it");
    apiBase = freePortRange(MEMBERS + 2, -1);
    hazelcastBase = freePortRange(MEMBERS + 2, apiBase);
    cluster = "ctl-it-" + UUID.randomUUID().toString().substring(0, 8);
    // Something else already listens on the first API port: corral-ctl must step over it.
    occupiedApiPort = new ServerSocket(apiBase, 50, InetAddress.getLoopbackAddress());

    CtlResult sim = ctl("sim", "start", "--", "--ollama", "1", "--llama-server", "1", "--first-token-ms", "10");
    rememberPid(home.resolve("run/sim.pid"));
    assertThat(sim.exitCode()).as(sim.output()).isZero();
    assertThat(sim.output()).contains(" ollama ", " llama_server ");
  }

  @Test
  @Order(1)
  void startBringsUpThreeHealthyMembersInOneClusterAndStepsOverATakenApiPort() throws Exception {
    CtlResult start = ctl("start", String.valueOf(MEMBERS));
    for (int i = 1; i <= MEMBERS; i++) {
      rememberPid(pidFile(i));
    }

    assertThat(start.exitCode()).as(start.output()).isZero();
    assertThat(start.output()).contains("api port " + apiBase + " is in use: skipped");
    for (int i = 1; i <= MEMBERS; i++) {
      assertThat(pidFile(i)).exists();
      assertThat(Files.readString(home.resolve("run/member-" + i + ".env")))
          .contains("API_PORT=" + apiPort(i), "HZ_PORT=" + (hazelcastBase + i - 1), "CLUSTER=" + cluster);
      assertThat(get(apiUrl(i) + "/health").statusCode()).isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      List<String> leaders = new ArrayList<>();
      for (int i = 1; i <= MEMBERS; i++) {
        JsonNode view = json.readTree(get(apiUrl(i) + "/api/cluster").body());
        assertThat(view.path("cluster").asText()).isEqualTo(cluster);
        assertThat(view.path("members")).hasSize(MEMBERS);
        leaders.add(view.path("leader").path("name").asText());
      }
      assertThat(leaders).doesNotContain("").containsOnly(leaders.get(0));
    });
  }

  @Test
  @Order(2)
  void statusNamesEveryRunningMemberWithTheLeaderAndExitsZero() {
    CtlResult status = ctl("status");

    assertThat(status.exitCode()).as(status.output()).isZero();
    assertThat(RUNNING_ROW.matcher(status.output()).results().count()).as(status.output()).isEqualTo(MEMBERS);
    assertThat(status.output()).contains(MEMBERS + " member(s), leader ", "orphaned corral processes");
  }

  @Test
  @Order(3)
  void logsDashNPrintsTheNewestLogOfAMemberWithoutFollowing() throws IOException {
    CtlResult logs = ctl("logs", "-n", "2");

    assertThat(logs.exitCode()).as(logs.output()).isZero();
    assertThat(logs.output()).contains("is serving", apiUrl(2));
    Path link = home.resolve("logs/member-2.log");
    assertThat(Files.isSymbolicLink(link)).isTrue();
    assertThat(Files.readSymbolicLink(link).toString()).matches(TIMESTAMPED_LOG);
  }

  @Test
  @Order(4)
  void aChatRequestThroughTheThirdMemberIsAnsweredByASimulatedBackend() throws Exception {
    String member3 = apiUrl(3);
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
        .until(() -> get(member3 + "/ready").statusCode() == 200);

    HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create(member3 + "/api/chat"))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3\",\"stream\":false,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"))
        .build(), HttpResponse.BodyHandlers.ofString());

    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
    JsonNode answer = json.readTree(chat.body());
    assertThat(answer.path("done").asBoolean()).isTrue();
    assertThat(answer.path("message").path("content").asText()).isNotBlank();
  }

  @Test
  @Order(5)
  void backendListsTheFleetThroughAMemberAndDrainsAndEnablesABackend() throws IOException {
    String ollama = Files.readAllLines(home.resolve("run/sim.urls")).stream().filter(l -> l.contains(" ollama "))
        .map(l -> l.substring("http://".length(), l.indexOf(' '))).findFirst().orElseThrow();

    CtlResult list = ctl("backend", "list");
    assertThat(list.exitCode()).as(list.output()).isZero();
    assertThat(list.output()).contains(MEMBERS + " member(s)", "http://" + ollama, "llama-server",
        "2 backend(s), 0 not serving");
    CtlResult health = ctl("backend", "health");
    assertThat(health.exitCode()).as(health.output()).isZero();
    assertThat(health.output()).contains("answers as ollama", "2 checked, 0 not healthy.");

    CtlResult drain = ctl("backend", "drain", ollama);
    assertThat(drain.exitCode()).as(drain.output()).isZero();
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).until(() -> ctl("backend", "list")
        .output().lines().anyMatch(l -> l.startsWith("http://" + ollama) && l.contains("draining")));
    CtlResult enable = ctl("backend", "enable", ollama);
    assertThat(enable.exitCode()).as(enable.output()).isZero();
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).until(() ->
        ctl("backend", "list").exitCode() == 0);
    assertThat(ctl("backend", "frobnicate").output()).contains("[ERROR]", "unknown 'backend frobnicate'");
  }

  @Test
  @Order(6)
  void aSecondStartIsRefusedWithTheFixWhileMembersAreRunning() {
    CtlResult again = ctl("start", String.valueOf(MEMBERS));

    assertThat(again.exitCode()).isEqualTo(1);
    assertThat(again.output()).contains("[ERROR]", "already running", "corral-ctl stop");
    for (int i = 1; i <= MEMBERS; i++) {
      assertThat(pidFile(i)).exists();
    }
  }

  @Test
  @Order(7)
  void stopEndsEveryMemberWithinTheStopTimeoutAndRemovesThePidFiles() throws IOException {
    List<Long> pids = new ArrayList<>();
    for (int i = 1; i <= MEMBERS; i++) {
      pids.add(Long.parseLong(Files.readString(pidFile(i)).trim()));
    }
    long started = System.nanoTime();

    CtlResult stop = ctl("stop");

    assertThat(stop.exitCode()).as(stop.output()).isZero();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(STOP_TIMEOUT.plusSeconds(5));
    await().atMost(STOP_TIMEOUT).pollInterval(Duration.ofMillis(100))
        .until(() -> pids.stream().noneMatch(this::runsCorral));
    for (int i = 1; i <= MEMBERS; i++) {
      assertThat(pidFile(i)).doesNotExist();
    }
    CtlResult status = ctl("status");
    assertThat(status.exitCode()).as(status.output()).isEqualTo(3);
  }

  @AfterAll
  void cleanUp() throws IOException {
    if (home == null) {
      return; // skipped before anything started
    }
    try {
      ctl("force-stop");
      ctl("sim", "stop");
    } finally {
      // Backstop: whatever corral-ctl recorded and still runs the jar goes, whatever state the script is in.
      for (long pid : recordedPids) {
        ProcessHandle.of(pid).filter(p -> runsCorral(pid)).ifPresent(ProcessHandle::destroyForcibly);
      }
      if (occupiedApiPort != null) {
        occupiedApiPort.close();
      }
      try (Stream<Path> files = Files.walk(home)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  // ------------------------------------------------------------------------------------------------ helpers

  private record CtlResult(int exitCode, String output) {}

  /** Runs corral-ctl to completion (bounded); its output goes to a file, so no pipe can keep it waiting. */
  private CtlResult ctl(String... args) {
    List<String> command = new ArrayList<>(List.of("bash", root.resolve("scripts/corral-ctl").toString()));
    command.addAll(List.of(args));
    try {
      Path out = Files.createTempFile(home, "ctl-", ".out");
      ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile())
          .redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
      Map<String, String> env = builder.environment();
      env.keySet().removeIf(name -> name.startsWith("CORRAL_")); // the developer's own settings stay out
      env.put("CORRAL_JAR", jar.toString());
      env.put("CORRAL_CTL_HOME", home.toString());
      env.put("CORRAL_CTL_API_PORT", String.valueOf(apiBase));
      env.put("CORRAL_CTL_HZ_PORT", String.valueOf(hazelcastBase));
      env.put("CORRAL_CTL_CLUSTER", cluster);
      env.put("CORRAL_CTL_STOP_TIMEOUT", String.valueOf(STOP_TIMEOUT.toSeconds()));
      Process process = builder.start();
      process.getOutputStream().close();
      if (!process.waitFor(CTL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("corral-ctl " + String.join(" ", args) + " did not finish in " + CTL_TIMEOUT
            + ":\n" + Files.readString(out));
      }
      return new CtlResult(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private Path pidFile(int member) {
    return home.resolve("run/member-" + member + ".pid");
  }

  /** The first API port is taken by {@link #occupiedApiPort}, so member i serves on the i-th port after it. */
  private int apiPort(int member) {
    return apiBase + member;
  }

  private String apiUrl(int member) {
    return "http://127.0.0.1:" + apiPort(member);
  }

  private void rememberPid(Path pidFile) throws IOException {
    if (Files.exists(pidFile)) {
      recordedPids.add(Long.parseLong(Files.readString(pidFile).trim()));
    }
  }

  /** True while the PID is a live (not zombie) process whose command line runs this corral jar. */
  private boolean runsCorral(long pid) {
    return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
        .flatMap(p -> p.info().commandLine())
        .filter(cmd -> cmd.contains(jar.toString()))
        .isPresent();
  }

  /**
   * A random first port in 20000-29999 whose next {@code count} ports are all free on loopback (below the Linux
   * ephemeral range, so outgoing connections do not take them meanwhile) and clear of {@code avoid}'s range.
   */
  private static int freePortRange(int count, int avoid) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(20_000, 30_000 - count);
      if (avoid >= 0 && Math.abs(base - avoid) < 2 * count) {
        continue;
      }
      boolean free = true;
      for (int p = base; p < base + count && free; p++) {
        try (ServerSocket probe = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
          probe.setReuseAddress(true);
        } catch (IOException taken) {
          free = false;
        }
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no " + count + " free loopback ports found in 20000-29999");
  }
}
