package io.corral.router.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * A real ggml-rpc-server keeps serving while the leader scans its host again and again and checks the rpc-servers
 * it was given: corral never touches it while a real llama-server uses it through {@code --rpc}, and after that
 * coordinator stops, a new coordinator can still attach to it and answer through the member.
 */
@EnabledOnOs(OS.LINUX)
class RealRpcServerScanTest {

  private static final Duration BOUND = Duration.ofSeconds(60);

  private TestCluster cluster;
  private Process rpc;
  private Process first;
  private Process second;

  @AfterEach
  void stop() throws InterruptedException {
    if (cluster != null) {
      cluster.close();
    }
    RealBackends.stop(second);
    RealBackends.stop(first);
    RealBackends.stop(rpc);
  }

  @Test
  void anRpcServerInUseSurvivesRepeatedScansAndServesTheNextCoordinator() throws Exception {
    RealBackends real = RealBackends.installOrSkip();
    int rpcPort = RealBackends.freeLoopbackPort();
    int firstPort = RealBackends.freeLoopbackPort();
    int secondPort = RealBackends.freeLoopbackPort();
    rpc = real.rpcServer(rpcPort, "rpc-server.log");
    RealBackends.awaitListening(rpcPort);
    first = real.llamaServer(firstPort, "coordinator-1.log", "-np", "1", "-ngl", "99", "--rpc",
        "127.0.0.1:" + rpcPort);
    awaitHealthy(firstPort, first);

    cluster = new TestCluster();
    RouterNode node = cluster.member(List.of("127.0.0.1:" + rpcPort + ";kind=rpc"), f -> {
      f.put("scanCidr", List.of("127.0.0.1/32"));
      f.put("scanPorts", rpcPort + ":rpc," + firstPort + ":llama," + secondPort + ":llama");
      f.put("scanInterval", "1s");
      f.put("rpcCheckInterval", "500ms");
    });

    // the scan finds the coordinator; several scans and rpc checks run while it uses the rpc-server
    long scansBefore = scans(node);
    await().atMost(BOUND).until(() -> scans(node) >= scansBefore + 3);
    assertThat(rpcEntry(node, rpcPort).getBoolean("inUse")).isTrue();
    assertThat(chat(node).statusCode()).isEqualTo(200);
    assertThat(rpc.isAlive()).isTrue();

    RealBackends.stop(first);
    // now nobody uses it: the scan and the leader's check may each make their bare connect
    long afterFirst = scans(node);
    await().atMost(BOUND).until(() -> scans(node) >= afterFirst + 2
        && "up".equals(rpcEntry(node, rpcPort).getJsonObject("health").getString("state"))
        && !rpcEntry(node, rpcPort).getBoolean("inUse"));
    assertThat(rpc.isAlive()).isTrue();

    second = real.llamaServer(secondPort, "coordinator-2.log", "-np", "1", "-ngl", "99", "--rpc",
        "127.0.0.1:" + rpcPort);
    awaitHealthy(secondPort, second);
    long afterSecond = scans(node);
    await().atMost(BOUND).until(() -> scans(node) >= afterSecond + 3 && rpcEntry(node, rpcPort).getBoolean("inUse"));
    await().atMost(BOUND).until(() -> chat(node).statusCode() == 200);
    assertThat(rpc.isAlive()).isTrue();
    assertThat(second.isAlive()).isTrue();
  }

  private static void awaitHealthy(int port, Process p) {
    await().atMost(BOUND).ignoreExceptions().failFast("llama-server exited", () -> !p.isAlive())
        .until(() -> Http.get("http://127.0.0.1:" + port + "/health").statusCode() == 200);
  }

  private static long scans(RouterNode node) {
    return new JsonObject(Http.get(node.apiUrl() + "/api/cluster").body()).getJsonObject("scan")
        .getLong("scans", 0L);
  }

  private static JsonObject rpcEntry(RouterNode node, int port) {
    JsonArray list = new JsonObject(Http.get(node.apiUrl() + "/api/rpc_backends").body()).getJsonArray("rpcBackends");
    return list.stream().map(o -> (JsonObject) o).filter(o -> o.getString("address").equals("127.0.0.1:" + port))
        .findFirst().orElseThrow();
  }

  private static HttpResponse<String> chat(RouterNode node) {
    return Http.post(node.apiUrl() + "/v1/chat/completions", "{\"model\":\"tiny-llama\",\"max_tokens\":8,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
  }
}
