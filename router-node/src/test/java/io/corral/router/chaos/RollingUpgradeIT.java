package io.corral.router.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.corral.cluster.wire.WireVersion;
import io.corral.router.chaos.RequestOutcome.Api;
import io.corral.router.chaos.RequestOutcome.Result;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.Vertx;
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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A rolling upgrade under load (issue 18). Two member processes of the older build, replaced one at a time by the
 * newer build while streaming clients keep both busy (more clients than slots, so requests queue).
 *
 * <p>"Older build" is the same jar started with {@code --wire-version 1}: it speaks and advertises the first
 * versioned format only, so the others write in it while it is there; it still reads the later fields it is given
 * (a real older build would skip them, which {@code LedgerWireTest} covers); the newer build
 * adds lease grant times (version 2). What must hold throughout: no backend ever runs more requests than its slots
 * (counted by the simulators themselves), every lease is handed back once the load ends, and no client of the
 * member that stays up sees an error; only the member being replaced may refuse connections while it is down. Once
 * the last older member has left, the cluster uses version 2 (and reports lease ages).
 */
class RollingUpgradeIT {

  private static final int SLOTS = 2;
  private static final int BACKENDS = 2;
  /** 5 clients for 4 slots: the queue is never empty for long. */
  private static final int USERS = 5;
  private static final String MODEL = "llama3";
  private static final Duration START_BOUND = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private final List<MemberProcess> members = new ArrayList<>();
  private final List<SimulatedBackend> backends = new ArrayList<>();
  private Vertx vertx;

  @AfterEach
  void stopEverything() throws Exception {
    for (MemberProcess m : members) {
      m.kill();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void membersOfTheOlderBuildAreReplacedOneByOneUnderLoadWithoutOverSubscriptionLeaksOrErrorsOnTheOtherMember()
      throws Exception {
    Path jar = Path.of(System.getProperty("corral.jar", "target/corral.jar")).toAbsolutePath();
    assumeTrue(Files.isRegularFile(jar), "corral.jar is not built (" + jar + "): run 'mvn package' first");
    Path work = jar.getParent().resolve("rolling-upgrade");
    Files.createDirectories(work);

    vertx = Vertx.vertx();
    for (int i = 0; i < BACKENDS; i++) {
      SimBackendOptions options = SimBackendOptions.ollama(MODEL).withSlots(SLOTS)
          .withFirstTokenDelay(Duration.ofMillis(40)).withTokensPerSecond(50).withDefaultTokens(8);
      backends.add(SimulatedBackend.start(vertx, options, "127.0.0.1", freePort())
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS));
    }
    Path backendsFile = work.resolve("backends.txt");
    Files.write(backendsFile, backends.stream().map(b -> b.url() + ";slots=" + SLOTS + ";kind=ollama").toList());

    String cluster = "upgrade-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> hazelcastPorts = List.of(freePort(), freePort());
    List<Integer> apiPorts = List.of(freePort(), freePort());
    String join = String.join(",", hazelcastPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    List<List<String>> older = new ArrayList<>();
    List<List<String>> newer = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      List<String> flags = List.of("--host", "127.0.0.1", "--port", apiPorts.get(i).toString(),
          "--cluster-name", cluster, "--hazelcast-port", hazelcastPorts.get(i).toString(), "--join", join,
          "--backends-file", backendsFile.toString(), "--dashboard-port", "0", "--probe-interval", "1s",
          "--drain-timeout", "10s", "--partition-count", "31");
      List<String> old = new ArrayList<>(flags);
      old.addAll(List.of("--wire-version", Integer.toString(WireVersion.V1)));
      older.add(MemberProcess.corralStart(jar, old));
      newer.add(MemberProcess.corralStart(jar, flags));
    }
    members.add(new MemberProcess("older-1", apiPorts.get(0), older.get(0), work));
    members.add(new MemberProcess("older-2", apiPorts.get(1), older.get(1), work));
    members.get(0).start();
    await().atMost(START_BOUND).pollInterval(Duration.ofMillis(250)).until(() -> cluster(0) != null);
    members.get(1).start();
    awaitServing(WireVersion.V1);

    LoadGenerator load = new LoadGenerator(http, List.of(members.get(0).apiUrl(), members.get(1).apiUrl()), USERS,
        MODEL);
    ConcurrentLinkedQueue<RequestOutcome> outcomes = new ConcurrentLinkedQueue<>();
    AtomicBoolean loading = new AtomicBoolean(true);
    CompletableFuture<Void> running = CompletableFuture.runAsync(() -> {
      while (loading.get()) {
        outcomes.addAll(load.run(Duration.ofSeconds(1)).join());
      }
    });
    backends.forEach(SimulatedBackend::resetStats);

    long[][] downWindows = new long[2][];
    for (int i = 0; i < 2; i++) {
      Thread.sleep(2_000); // the load runs on the old cluster first
      long down = System.nanoTime();
      members.get(i).stop(); // SIGTERM: the member drains its requests and leaves, as an operator's upgrade does
      MemberProcess replacement = new MemberProcess("newer-" + (i + 1), apiPorts.get(i), newer.get(i), work);
      members.set(i, replacement);
      replacement.start();
      int index = i;
      await().atMost(START_BOUND).pollInterval(Duration.ofMillis(250)).until(() -> {
        JsonNode c = cluster(index);
        return c != null && c.path("members").size() == 2;
      });
      downWindows[i] = new long[] {down, System.nanoTime()};
      int expected = i == 0 ? WireVersion.V1 : WireVersion.CURRENT;
      await().atMost(Duration.ofSeconds(30)).until(() -> agreedEverywhere(expected));
    }
    Thread.sleep(2_000); // and on the upgraded cluster
    JsonNode upgraded = cluster(0);
    loading.set(false);
    running.get(60, TimeUnit.SECONDS);

    List<RequestOutcome> all = List.copyOf(outcomes);
    assertThat(all.stream().filter(RequestOutcome::ok).count()).as("requests served").isGreaterThan(50);
    List<RequestOutcome> failed = all.stream().filter(o -> !o.ok()).toList();
    for (RequestOutcome o : failed) {
      long[] window = downWindows[o.member()];
      boolean duringItsReplacement = window != null && o.startNanos() <= window[1] && o.endNanos() >= window[0];
      assertThat(duringItsReplacement && o.result() != Result.STREAM_BROKEN && o.result() != Result.STREAM_ERROR)
          .as("failure on member %d outside its own replacement, or a broken stream: %s %s (%s)", o.member(),
              o.result(), o.status(), o.detail())
          .isTrue();
    }
    for (SimulatedBackend b : backends) {
      assertThat(b.stats().maxProcessing()).as("most requests %s ever ran at once", b.url())
          .isLessThanOrEqualTo(SLOTS);
    }
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
      for (int i = 0; i < 2; i++) {
        JsonNode c = cluster(i);
        assertThat(c).isNotNull();
        int inFlight = 0;
        for (JsonNode b : c.path("backends")) {
          inFlight += b.path("inFlight").asInt();
        }
        assertThat(inFlight).as("leases still held after the load").isZero();
        assertThat(c.path("queue").path("depth").asInt()).isZero();
      }
    });
    assertThat(upgraded.path("members").findValuesAsText("wireVersion"))
        .containsOnly(Integer.toString(WireVersion.CURRENT));

    // the upgraded cluster keeps grant times: a request in flight shows its backend's oldest lease
    RequestOutcome probe = load.send(0, Api.OLLAMA_GENERATE).get(30, TimeUnit.SECONDS);
    assertThat(probe.ok()).isTrue();
    CompletableFuture<RequestOutcome> slow = load.send(1, Api.OLLAMA_GENERATE);
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> {
      JsonNode c = cluster(0);
      return c != null && c.path("backends").findValues("oldestLeaseSince").stream().anyMatch(JsonNode::isNumber);
    });
    assertThat(slow.get(30, TimeUnit.SECONDS).ok()).isTrue();
    System.out.printf("rolling upgrade: %d requests, %d served, %d refused or failed while their member was "
        + "replaced; most at once per backend %s%n", all.size(), all.size() - failed.size(), failed.size(),
        backends.stream().map(b -> b.stats().maxProcessing()).toList());
  }

  private void awaitServing(int agreed) {
    await().atMost(START_BOUND).pollInterval(Duration.ofMillis(250)).until(() -> IntStream.range(0, 2)
        .allMatch(i -> {
          JsonNode c = cluster(i);
          return c != null && c.path("members").size() == 2 && c.path("wire").path("agreed").asInt() == agreed
              && backends.stream().allMatch(b -> upIn(c, b.url()));
        }));
  }

  private boolean agreedEverywhere(int version) {
    return IntStream.range(0, 2).allMatch(i -> {
      JsonNode c = cluster(i);
      return c != null && c.path("wire").path("agreed").asInt() == version;
    });
  }

  private static boolean upIn(JsonNode cluster, String url) {
    for (JsonNode b : cluster.path("backends")) {
      if (b.path("id").asText().equals(url)) {
        return b.path("health").asText().equals("up");
      }
    }
    return false;
  }

  /** Member {@code i}'s {@code /api/cluster}, or null when it does not answer 200 within a second. */
  private JsonNode cluster(int i) {
    if (!members.get(i).isAlive()) {
      return null;
    }
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(members.get(i).apiUrl()
          + "/api/cluster")).timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** A free loopback port below the ephemeral range, so it can be bound again when its member restarts. */
  private static int freePort() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 30_000);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free loopback port found in 20000-29999");
  }
}
