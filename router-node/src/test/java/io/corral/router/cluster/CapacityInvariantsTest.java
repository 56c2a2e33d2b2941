package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.cluster.ledger.LedgerSnapshot;
import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.json.JsonObject;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The invariants of design.md §3, shown with three real members in one JVM and simulated backends that count
 * their own concurrent requests: capacity is never exceeded cluster-wide, there is one queue in arrival and
 * priority order, freed slots go to waiting requests on any member, and every lease is released.
 */
class CapacityInvariantsTest {

  static TestCluster cluster;
  static SimulatedBackend one;
  static SimulatedBackend two;
  /** One slot, another model: requests for it are served one at a time, so completion order is grant order. */
  static SimulatedBackend solo;
  static List<RouterNode> members;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    // about 200 ms per request
    one = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2).withTokensPerSecond(50).withDefaultTokens(10));
    two = cluster.sim(SimBackendOptions.ollama("llama3").withSlots(2).withTokensPerSecond(50).withDefaultTokens(10));
    solo = cluster.sim(SimBackendOptions.ollama("solo").withSlots(1).withTokensPerSecond(50).withDefaultTokens(2));
    List<String> fleet = List.of(one.url() + ";slots=2", two.url() + ";slots=2", solo.url() + ";slots=1");
    for (int i = 0; i < 3; i++) {
      cluster.member(fleet);
    }
    members = cluster.nodes();
    await().atMost(Duration.ofSeconds(20)).until(() -> members.stream()
        .allMatch(m -> m.member().members().size() == 3));
    await().atMost(Duration.ofSeconds(10)).until(() -> ledger().backends().stream()
        .filter(b -> b.slots() > 0 && b.available()).count() == 3);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @AfterEach
  void everyLeaseIsReleasedAndTheQueueIsEmpty() {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      LedgerSnapshot s = ledger();
      return s.queueDepth() == 0 && s.backends().stream().allMatch(b -> b.inFlight() == 0);
    });
    assertThat(one.stats().processing() + two.stats().processing() + solo.stats().processing()).isZero();
  }

  static LedgerSnapshot ledger() {
    return members.get(members.size() - 1).ledger().snapshot().toCompletableFuture().join();
  }

  static HttpRequest generate(RouterNode via, int tokens, String priority) {
    return generate(via, "llama3", tokens, priority);
  }

  static HttpRequest generate(RouterNode via, String model, int tokens, String priority) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(via.apiUrl() + "/api/generate"))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"prompt\":\"x\","
            + "\"stream\":false,\"options\":{\"num_predict\":" + tokens + "}}"));
    if (priority != null) {
      b.header("X-Priority", priority);
    }
    return b.build();
  }

  @Test
  void underConcurrentLoadThroughEveryMemberNoBackendEverRunsMoreThanItsSlots() {
    one.resetStats();
    two.resetStats();
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 48; i++) {
      calls.add(Http.CLIENT.sendAsync(generate(members.get(i % 3), 10, null), HttpResponse.BodyHandlers.ofString()));
    }
    List<Integer> statuses = calls.stream().map(CompletableFuture::join).map(HttpResponse::statusCode).toList();
    assertThat(statuses).containsOnly(200);
    // the backends' own count, not corral's bookkeeping
    assertThat(one.stats().maxProcessing()).isEqualTo(2);
    assertThat(two.stats().maxProcessing()).isEqualTo(2);
    // a backend counts a request completed just after its last byte, so the last count may trail the client
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
        assertThat(one.stats().requestsCompleted() + two.stats().requestsCompleted()).isEqualTo(48));
  }

  @Test
  void queuedRequestsAreServedInArrivalOrderAcrossMembersWithPriorityFirst() throws Exception {
    // occupy the single slot with a long request through member 0
    List<CompletableFuture<HttpResponse<String>>> blockers = List.of(Http.CLIENT.sendAsync(
        generate(members.get(0), "solo", 40, null), HttpResponse.BodyHandlers.ofString()));
    await().atMost(Duration.ofSeconds(5)).until(() -> solo.stats().processing() == 1);

    List<String> served = new CopyOnWriteArrayList<>();
    List<CompletableFuture<?>> waiting = new ArrayList<>();
    String[] names = {"first@A", "second@B", "third@C", "urgent@C"};
    RouterNode[] via = {members.get(0), members.get(1), members.get(2), members.get(2)};
    String[] priority = {null, null, null, "10"};
    for (int i = 0; i < names.length; i++) {
      String name = names[i];
      waiting.add(Http.CLIENT.sendAsync(generate(via[i], "solo", 2, priority[i]),
          HttpResponse.BodyHandlers.ofString())
          .thenAccept(r -> {
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(Long.parseLong(r.headers().firstValue("X-Corral-Queue-Ms").orElse("0"))).isPositive();
            served.add(name);
          }));
      int depth = i + 1;
      await().atMost(Duration.ofSeconds(5)).until(() -> ledger().queueDepth() == depth);
    }
    // a newcomer while others wait queues behind them
    assertThat(ledger().depthByPriority()).containsEntry(5, 3).containsEntry(10, 1);
    // every member shows the one queue and the cluster-wide load
    JsonObject view = new JsonObject(Http.get(members.get(1).apiUrl() + "/api/cluster").body());
    JsonObject queue = view.getJsonObject("queue");
    assertThat(queue.getInteger("depth")).isEqualTo(4);
    assertThat(queue.getJsonObject("byPriority").getMap()).containsEntry("5", 3).containsEntry("10", 1);
    assertThat(queue.getJsonObject("byModel").getMap()).containsEntry("solo:latest", 4);
    JsonObject soloView = view.getJsonArray("backends").stream().map(JsonObject.class::cast)
        .filter(b -> b.getString("id").equals(solo.url())).findFirst().orElseThrow();
    assertThat(soloView.getInteger("inFlight")).isEqualTo(1);
    assertThat(soloView.getInteger("slots")).isEqualTo(1);
    String metrics = Http.get(members.get(2).apiUrl() + "/metrics").body();
    assertThat(metrics).contains("corral_cluster_queue_depth 4.0")
        .contains("corral_cluster_backend_in_flight{backend=\"" + solo.url() + "\"} 1.0");
    for (CompletableFuture<HttpResponse<String>> b : blockers) {
      assertThat(b.get().statusCode()).isEqualTo(200);
    }
    CompletableFuture.allOf(waiting.toArray(CompletableFuture[]::new)).get();
    assertThat(served).hasSize(4);
    assertThat(solo.stats().maxProcessing()).isEqualTo(1);
    assertThat(served.get(0)).isEqualTo("urgent@C");
    assertThat(served.subList(1, 4)).containsExactly("first@A", "second@B", "third@C");
  }

  @Test
  void aSlotFreedByARequestOnOneMemberServesARequestWaitingOnAnother() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> blockers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      blockers.add(Http.CLIENT.sendAsync(generate(members.get(0), 15, null), HttpResponse.BodyHandlers.ofString()));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> one.stats().processing() + two.stats().processing() == 4);
    CompletableFuture<HttpResponse<String>> onB = Http.CLIENT.sendAsync(generate(members.get(1), 2, null),
        HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> ledger().queueDepth() == 1);
    HttpResponse<String> r = onB.get();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("X-Corral-Member")).contains(members.get(1).apiUrl().substring(7));
    for (CompletableFuture<HttpResponse<String>> b : blockers) {
      b.get();
    }
  }

  @Test
  void aClientThatDisconnectsWhileQueuedLeavesTheQueueAtOnce() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> blockers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      blockers.add(Http.CLIENT.sendAsync(generate(members.get(0), 30, null), HttpResponse.BodyHandlers.ofString()));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> one.stats().processing() + two.stats().processing() == 4);
    URI uri = URI.create(members.get(2).apiUrl());
    byte[] body = "{\"model\":\"llama3\",\"prompt\":\"x\"}".getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      await().atMost(Duration.ofSeconds(5)).until(() -> ledger().queueDepth() == 1);
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> ledger().queueDepth() == 0);
    long startedBefore = one.stats().requestsStarted() + two.stats().requestsStarted();
    for (CompletableFuture<HttpResponse<String>> b : blockers) {
      b.get();
    }
    // the departed request never reached a backend
    assertThat(one.stats().requestsStarted() + two.stats().requestsStarted()).isEqualTo(startedBefore);
  }

  @Test
  void badPriorityAndStrategyHeadersAre400NamingTheAllowedValues() {
    HttpResponse<String> p = Http.send(HttpRequest.newBuilder(URI.create(members.get(0).apiUrl() + "/api/chat"))
        .header("X-Priority", "11").POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3\"}")).build());
    assertThat(p.statusCode()).isEqualTo(400);
    assertThat(p.body()).contains("X-Priority", "1 (lowest) to 10 (highest)");
    HttpResponse<String> s = Http.send(HttpRequest.newBuilder(URI.create(members.get(1).apiUrl()
        + "/v1/chat/completions")).header("X-Corral-Strategy", "fastest")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3\"}")).build());
    assertThat(s.statusCode()).isEqualTo(400);
    assertThat(s.body()).contains("X-Corral-Strategy", "least_loaded, round_robin, random", "\"type\"");
  }

  @Test
  void leasesAreReleasedWhenTheBackendFailsAndWhenTheClientLeavesMidStream() throws Exception {
    // every backend fails, so after its failover tries each request is answered with the failure
    one.faults().failWith(503, -1);
    two.faults().failWith(503, -1);
    List<CompletableFuture<HttpResponse<String>>> failing = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      failing.add(Http.CLIENT.sendAsync(generate(members.get(i % 3), 2, null), HttpResponse.BodyHandlers.ofString()));
    }
    for (CompletableFuture<HttpResponse<String>> f : failing) {
      assertThat(f.get().statusCode()).isEqualTo(503);
    }
    one.faults().clear();
    two.faults().clear();
    await().atMost(Duration.ofSeconds(5)).until(() -> ledger().backends().stream().allMatch(b -> b.inFlight() == 0));

    URI uri = URI.create(members.get(1).apiUrl());
    byte[] body = "{\"model\":\"llama3\",\"prompt\":\"x\",\"options\":{\"num_predict\":500}}"
        .getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      s.getInputStream().readNBytes(512);
      await().atMost(Duration.ofSeconds(5)).until(() -> ledger().backends().stream()
          .mapToInt(LedgerSnapshot.BackendLoad::inFlight).sum() == 1);
    }
    // the disconnect frees the slot at once (the after-each check confirms nothing is left)
    await().atMost(Duration.ofSeconds(2)).until(() -> ledger().backends().stream()
        .mapToInt(LedgerSnapshot.BackendLoad::inFlight).sum() == 0);
  }
}
