package io.corral.router.cli;

import io.corral.cluster.trust.ClusterSecret;
import io.corral.router.RouterNode;
import io.corral.router.config.ConfigLoader;
import io.corral.router.config.RouterConfig;
import io.corral.sim.SimFleet;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code corral demo}: a simulated fleet plus a cluster of members on loopback, in one process, with nothing to
 * set up. Ctrl-C stops everything it started.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Start a simulated fleet (default 2 Ollama + 2 llama-server, 2 slots each) and a 3-member "
        + "corral cluster on 127.0.0.1, print the URLs, run until Ctrl-C.",
        "With --backend, the members front those real backends instead of the simulated fleet."})
public final class DemoCommand implements Callable<Integer> {

  @Mixin
  FleetOptions fleet;

  @Option(names = "--members", paramLabel = "N", description = "Cluster members. Default ${DEFAULT-VALUE}.")
  int members = 3;

  @Option(names = "--port", paramLabel = "PORT", description = "API port of the first member; the others take the "
      + "next free ports. Default ${DEFAULT-VALUE}.")
  int port = 8000;

  @Option(names = "--hazelcast-port", paramLabel = "PORT", description = "First Hazelcast port. Default "
      + "${DEFAULT-VALUE}.")
  int hazelcastPort = 5701;

  @Option(names = "--cluster-name", paramLabel = "NAME", description = "Default ${DEFAULT-VALUE}.")
  String clusterName = "corral-demo";

  @Option(names = "--backend", paramLabel = "URL[;slots=N][;kind=K]",
      description = "Front these backends instead of a simulated fleet (repeatable).")
  List<String> backends;

  @Override
  public Integer call() throws Exception {
    if (members < 1 || members > 9) {
      throw new IllegalArgumentException("--members must be 1-9");
    }
    Vertx simVertx = Vertx.vertx();
    SimFleet sims = null;
    List<String> backendFlags = new ArrayList<>();
    if (backends == null || backends.isEmpty()) {
      sims = SimFleet.start(simVertx, fleet.backends(), "127.0.0.1", 0).toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
      for (SimulatedBackend b : sims.backends()) {
        backendFlags.add(b.url() + ";slots=" + b.options().slots());
      }
    } else {
      backendFlags.addAll(backends);
    }

    List<String> join = new ArrayList<>();
    for (int i = 0; i < members + 2; i++) {
      join.add("127.0.0.1:" + (hazelcastPort + i));
    }
    List<RouterNode> nodes = new ArrayList<>();
    SimFleet startedSims = sims;
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      // newest first: the leader (the oldest) leaves last, so leadership does not hop during shutdown
      for (int i = nodes.size() - 1; i >= 0; i--) {
        nodes.get(i).close();
      }
      if (startedSims != null) {
        startedSims.close();
      }
      simVertx.close();
      stopped.countDown();
    }, "demo-shutdown"));

    // the demo's members share a fresh secret, as members on a LAN must: the handshake runs in every demo
    String secret = ClusterSecret.generate(new SecureRandom()).toText();
    int nextPort = port;
    for (int i = 0; i < members; i++) {
      nextPort = firstFreePort(nextPort);
      Map<String, Object> flags = new LinkedHashMap<>();
      flags.put("port", Integer.toString(nextPort));
      flags.put("hazelcastPort", Integer.toString(hazelcastPort));
      flags.put("clusterName", clusterName);
      flags.put("clusterSecret", secret);
      flags.put("join", join);
      flags.put("backends", backendFlags);
      flags.put("eventLoops", "1");
      RouterConfig cfg = ConfigLoader.load(flags, Map.of(), null);
      nodes.add(RouterNode.start(cfg));
      nextPort++;
    }

    RouterNode first = nodes.get(0);
    StringBuilder out = new StringBuilder();
    out.append("\ncorral demo is running: ").append(members).append(" members, cluster '").append(clusterName)
        .append("'\n\n");
    out.append("Backends:\n");
    if (sims != null) {
      for (SimulatedBackend b : sims.backends()) {
        out.append("  ").append(b.url()).append("  simulated ")
            .append(b.options().kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'))
            .append(", ").append(b.options().slots()).append(" slots, models ").append(b.options().models())
            .append('\n');
      }
    } else {
      backendFlags.forEach(b -> out.append("  ").append(b).append('\n'));
    }
    out.append("\nMembers (point any Ollama or OpenAI client at any of them):\n");
    for (RouterNode n : nodes) {
      out.append("  ").append(n.apiUrl()).append(n.member().leaderElection().isLeader() ? "  (leader)" : "")
          .append('\n');
    }
    RouterNode leader = nodes.stream().filter(n -> n.member().leaderElection().isLeader()).findFirst()
        .orElse(first);
    io.vertx.core.json.JsonObject port = leader.dashboard().portStatus();
    if (port.getBoolean("bound", false)) {
      out.append("\nDashboard:    ").append(port.getString("url")).append("  (any member's /dashboard works too, e.g. ")
          .append(first.apiUrl()).append("/dashboard)\n");
    } else {
      out.append("\nDashboard:    ").append(leader.apiUrl()).append("/dashboard  (dashboard port ")
          .append(port.getInteger("port")).append(": ").append(port.getString("state")).append(")\n");
    }
    out.append("Cluster view: ").append(first.apiUrl()).append("/api/dashboard, ").append(first.apiUrl())
        .append("/api/cluster\n\n");
    out.append("Try:\n");
    out.append("  curl ").append(first.apiUrl()).append("/api/chat -d '{\"model\":\"").append(fleet.model)
        .append("\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'\n");
    out.append("  curl ").append(nodes.get(nodes.size() - 1).apiUrl())
        .append("/v1/chat/completions -H 'Content-Type: application/json' -d '{\"model\":\"").append(fleet.model)
        .append("\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'\n");
    out.append("\nCtrl-C stops everything.\n");
    System.out.println(out);
    System.out.flush();
    stopped.await();
    return 0;
  }

  static int firstFreePort(int from) {
    for (int p = from; p < Math.min(65535, from + 100); p++) {
      try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
        return p;
      } catch (IOException taken) {
        // try the next one
      }
    }
    throw new IllegalStateException("no free port in " + from + "-" + (from + 99));
  }
}
