package io.corral.router.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.router.cli.CliTest.Run;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code corral backend}: an operator sees the fleet through any member, learns why a backend is unhealthy and
 * what to try, and drains or enables one, against a real two-member cluster and simulated backends.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BackendCommandTest {

  static final String TOKEN = "t0ken";
  static TestCluster cluster;
  static SimulatedBackend ollama;
  static SimulatedBackend llama;
  static SimulatedBackend doomed;
  static RouterNode one;
  static RouterNode two;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    ollama = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2));
    llama = cluster.sim(SimBackendOptions.llamaServer("qwen"));
    doomed = cluster.sim(SimBackendOptions.ollama("phi3"));
    List<String> fleet = List.of(ollama.url() + ";slots=2", llama.url(), doomed.url());
    one = cluster.member(fleet, f -> f.put("adminToken", TOKEN));
    two = cluster.member(List.of(), f -> f.put("adminToken", TOKEN));
    await().atMost(Duration.ofSeconds(20)).until(() -> run("list", two).exit() == 0);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static Run run(String sub, RouterNode via, String... rest) {
    String[] args = new String[rest.length + 4];
    args[0] = "backend";
    args[1] = sub;
    args[2] = "--member";
    args[3] = via.apiUrl();
    System.arraycopy(rest, 0, args, 4, rest.length);
    return CliTest.run(args);
  }

  static String host(SimulatedBackend b) {
    return b.url().substring("http://".length());
  }

  @Test
  @Order(1)
  void listShowsEveryBackendWithKindHealthSlotsAndModelsThroughAnyMember() {
    Run r = run("list", two);
    assertThat(r.exit()).isZero();
    assertThat(r.out().lines().findFirst().orElseThrow()).contains("2 member(s), leader ", "(" + one.apiUrl() + ")");
    assertThat(r.out().lines().filter(l -> l.startsWith(ollama.url())).findFirst().orElseThrow())
        .contains("ollama", "up", "0/2", "llama3");
    assertThat(r.out().lines().filter(l -> l.startsWith(llama.url())).findFirst().orElseThrow())
        .contains("llama-server", "up", "qwen");
    assertThat(r.out()).contains("3 backend(s), 0 not serving; 0 request(s) waiting");
  }

  @Test
  @Order(2)
  void healthProbesEachBackendFromHereAndCallsThemHealthy() {
    Run r = run("health", one);
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("answers as ollama", "answers as llama-server", "ready", "-> healthy")
        .doesNotContain("NOT healthy").contains("3 checked, 0 not healthy.");
  }

  @Test
  @Order(3)
  void aServerNobodyAddedIsProbedAndTheFixSaysHowToAddIt() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Run r = run("health", one, "127.0.0.1:" + closed);
    assertThat(r.exit()).isEqualTo(BackendCommand.EXIT_UNHEALTHY);
    assertThat(r.out()).contains("not known to any member", "no member knows this backend",
        "nothing listens on 127.0.0.1:" + closed, "NOT healthy");
  }

  @Test
  @Order(4)
  void aCorralMemberGivenAsABackendIsNamedAsSuch() {
    Run r = run("health", one, two.apiUrl());
    assertThat(r.exit()).isEqualTo(BackendCommand.EXIT_UNHEALTHY);
    assertThat(r.out()).contains("this address is a corral member, not a backend");
  }

  @Test
  @Order(5)
  void drainNeedsTheAdminTokenAndThenTakesTheBackendOutOfServiceUntilEnabled() {
    Run refused = run("drain", two, host(ollama));
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("drain refused (401)", "CORRAL_ADMIN_TOKEN");

    Run unknown = run("drain", two, "127.0.0.1:1", "--admin-token", TOKEN);
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("(404)", "corral backend list");

    assertThat(run("drain", two, host(ollama), "--admin-token", TOKEN).exit()).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> lineOf(run("list", one), ollama).contains("draining"));
    // drained on purpose is not a failure, but health says how to undo it
    Run health = run("health", one, host(ollama));
    assertThat(health.exit()).isZero();
    assertThat(health.out()).contains("an operator drained it", "corral backend enable " + host(ollama));

    assertThat(run("enable", one, ollama.url(), "--admin-token", TOKEN).exit()).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> lineOf(run("list", two), ollama).contains(" up "));
  }

  @Test
  @Order(6)
  void aBackendThatDiedIsReportedDownWithTheMembersErrorAndWhatToCheck() {
    TestCluster.join(doomed.crash());
    await().atMost(Duration.ofSeconds(10)).until(() -> lineOf(run("list", two), doomed).contains("down"));
    Run list = run("list", two);
    assertThat(list.exit()).isEqualTo(BackendCommand.EXIT_UNHEALTHY);
    assertThat(list.out()).contains("1 not serving", "corral backend health");

    Run health = run("health", two, doomed.url());
    assertThat(health.exit()).isEqualTo(BackendCommand.EXIT_UNHEALTHY);
    assertThat(health.out()).contains("cluster:   down", "no answer", "nothing listens on " + host(doomed),
        "OLLAMA_HOST=0.0.0.0");
  }

  @Test
  @Order(7)
  void noMemberAtTheAddressIsExitCode1WithTheFix() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Run r = CliTest.run("backend", "list", "--member", "http://127.0.0.1:" + closed);
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("no corral member answers at http://127.0.0.1:" + closed, "corral-ctl start");
    Run bad = CliTest.run("backend", "health", "--member", "http://127.0.0.1:" + closed, "ftp://x:1");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("scheme must be http or https");
  }

  private static String lineOf(Run r, SimulatedBackend b) {
    return r.out().lines().filter(l -> l.startsWith(b.url())).findFirst().orElse("");
  }
}
