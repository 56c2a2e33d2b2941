package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An rpc-server that a running llama-server coordinator uses is listed as in use and never connected to, not even
 * by the leader's scan; one nobody uses is found by the scan (a bare connect, nothing sent) and listed too.
 */
class RpcBackendsTest {

  @TempDir
  static Path dir;
  static Process coordinator;
  static RawListener used;
  static RawListener free;
  static RawListener listed;
  static TestCluster cluster;
  static RouterNode node;

  /** Stands in for an rpc-server: counts connections and bytes received, answers nothing. */
  static final class RawListener implements AutoCloseable {
    final ServerSocket socket;
    final AtomicInteger connections = new AtomicInteger();
    final AtomicLong bytes = new AtomicLong();

    RawListener() throws Exception {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t = new Thread(() -> {
        while (!socket.isClosed()) {
          try (Socket s = socket.accept(); InputStream in = s.getInputStream()) {
            connections.incrementAndGet();
            s.setSoTimeout(500);
            try {
              while (in.read() >= 0) {
                bytes.incrementAndGet();
              }
            } catch (java.net.SocketTimeoutException ignored) {
              // it sent nothing more
            }
          } catch (Exception ignored) {
            // closed
          }
        }
      }, "raw-rpc-listener");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() throws Exception {
      socket.close();
    }
  }

  @BeforeAll
  static void start() throws Exception {
    used = new RawListener();
    free = new RawListener();
    listed = new RawListener();
    // a harmless stand-in whose command line reads like a coordinator's: a shell running a script named
    // llama-server, waiting on its stdin
    Path script = dir.resolve("llama-server");
    Files.writeString(script, "#!/bin/sh\nread line\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    coordinator = new ProcessBuilder("/bin/sh", script.toString(), "--rpc", "127.0.0.1:" + used.port()
        + ",coordinator:0", "--port", "8099").start();
    cluster = new TestCluster();
    // the operator lists two rpc-servers: one a coordinator uses, one free
    node = cluster.member(List.of("127.0.0.1:" + used.port() + ";kind=rpc", "127.0.0.1:" + listed.port()
        + ";kind=rpc"), f -> {
      f.put("rpcCheckInterval", "300ms");
      f.put("scanCidr", List.of("127.0.0.1/32"));
      f.put("scanPorts", used.port() + ":rpc-server," + free.port() + ":rpc-server");
      f.put("scanInterval", "1h");
    });
  }

  @AfterAll
  static void stop() throws Exception {
    cluster.close();
    coordinator.destroyForcibly();
    used.close();
    free.close();
    listed.close();
  }

  static JsonObject server(JsonArray list, int port) {
    return list.stream().map(o -> (JsonObject) o).filter(o -> o.getString("address").equals("127.0.0.1:" + port))
        .findFirst().orElse(null);
  }

  @Test
  void anRpcServerInUseIsListedAndNeverTouchedWhileAFreeOneIsFoundByTheScan() {
    await().atMost(Duration.ofSeconds(20)).until(() -> new JsonObject(Http.get(node.apiUrl() + "/api/cluster")
        .body()).getJsonObject("scan").getLong("finishedAt", 0L) > 0);
    JsonObject view = new JsonObject(Http.get(node.apiUrl() + "/api/rpc_backends").body());
    JsonArray servers = view.getJsonArray("rpcBackends");

    JsonObject inUse = server(servers, used.port());
    assertThat(inUse).isNotNull();
    assertThat(inUse.getBoolean("inUse")).isTrue();
    assertThat(inUse.getString("source")).isEqualTo("running_coordinator");
    assertThat(inUse.getJsonArray("seenBy")).contains("running_coordinator", "backends_file");
    assertThat(inUse.getJsonObject("health").getString("state")).isEqualTo("up");
    assertThat(inUse.getJsonArray("usedBy").getJsonObject(0).getString("api")).isEqualTo("127.0.0.1:8099");
    assertThat(used.connections.get()).isZero();

    JsonObject found = server(servers, free.port());
    assertThat(found).isNotNull();
    assertThat(found.getBoolean("inUse")).isFalse();
    assertThat(found.getString("source")).isEqualTo("scan");
    assertThat(free.connections.get()).isEqualTo(1);
    assertThat(free.bytes.get()).isZero();

    assertThat(servers.stream().map(o -> ((JsonObject) o).getString("address")))
        .noneMatch(a -> a.startsWith("coordinator") || a.endsWith(":0"));
    assertThat(view.getJsonArray("coordinators").stream().map(o -> (JsonObject) o)
        .anyMatch(c -> "127.0.0.1:8099".equals(c.getString("api")))).isTrue();
  }

  @Test
  void aListedRpcServerIsCheckedRarelyByTheLeaderWithABareConnectAndReportedDownWhenItStops() throws Exception {
    String id = "http://127.0.0.1:" + listed.port();
    await().atMost(Duration.ofSeconds(10)).until(() -> health(listed.port()).equals("up"));
    assertThat(listed.bytes.get()).isZero();
    assertThat(used.connections.get()).isZero();
    assertThat(node.backends().get(id).orElseThrow().health().wireName()).isEqualTo("up");

    listed.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> health(listed.port()).equals("down"));
    assertThat(used.connections.get()).isZero();
    JsonObject inCluster = new JsonObject(Http.get(node.apiUrl() + "/api/cluster").body()).getJsonArray("backends")
        .stream().map(o -> (JsonObject) o).filter(b -> b.getString("id").equals(id)).findFirst().orElseThrow();
    assertThat(inCluster.getString("kind")).isEqualTo("rpc-server");
    assertThat(inCluster.getString("health")).isEqualTo("down");
  }

  static String health(int port) {
    JsonObject e = server(new JsonObject(Http.get(node.apiUrl() + "/api/rpc_backends").body())
        .getJsonArray("rpcBackends"), port);
    return e == null ? "" : e.getJsonObject("health").getString("state");
  }
}
