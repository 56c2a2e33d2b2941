package io.corral.router;

import io.corral.cluster.ClusterSettings;
import io.corral.cluster.trust.ClusterSecret;
import io.corral.cluster.trust.ClusterTrust;
import io.corral.router.config.ConfigLoader;
import io.corral.router.config.RouterConfig;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import io.vertx.core.Vertx;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Real members and real simulated backends on 127.0.0.1 for one test class: API ports bound to 0, a random
 * cluster name and Hazelcast port block, so test clusters never meet.
 */
public final class TestCluster implements AutoCloseable {

  private final Vertx simVertx = Vertx.vertx();
  private final List<SimulatedBackend> sims = new ArrayList<>();
  private final List<RouterNode> nodes = new ArrayList<>();
  private final ClusterSettings settings;

  public TestCluster() {
    this(s -> s);
  }

  /** A test cluster whose Hazelcast settings the test adjusts (e.g. no ledger backups). */
  public TestCluster(java.util.function.UnaryOperator<ClusterSettings> adjust) {
    // below the ephemeral range (32768+): a port in the join list that some HTTP server got by chance accepts
    // Hazelcast's connection and never answers, and the join then hangs (hazelcast/hazelcast#17115)
    int base = ThreadLocalRandom.current().nextInt(20_000, 32_000);
    List<String> join = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      join.add("127.0.0.1:" + (base + i));
    }
    // with a cluster secret, as on a LAN: every member connection in these tests goes through the handshake
    settings = adjust.apply(ClusterSettings.forTests("test-" + UUID.randomUUID(), base, join)
        .withTrust(ClusterTrust.of(ClusterSecret.generate(new SecureRandom()))));
  }

  public SimulatedBackend sim(SimBackendOptions options) {
    return sim(options, 0);
  }

  /** A simulator on a given loopback port (to restart a backend in place); 0 picks a free one. */
  public SimulatedBackend sim(SimBackendOptions options, int port) {
    SimulatedBackend b = join(SimulatedBackend.start(simVertx, options, "127.0.0.1", port));
    sims.add(b);
    return b;
  }

  /** Starts a member fronting {@code backends} ({@code URL[;slots=N]} strings); {@code flags} tweak the rest. */
  public RouterNode member(List<String> backends, Consumer<Map<String, Object>> flags) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("port", "0");
    f.put("backends", backends);
    f.put("eventLoops", "1");
    f.put("probeInterval", "500ms");
    // no fixed ports in tests: the leader's dashboard port stays off unless a test asks for one
    f.put("dashboardPort", "0");
    // simulators start with nothing loaded; tests about other things expect every slot usable at once
    // (ColdLoadTest turns the cap and the wait for a warm backend back on)
    f.put("coldLoadsPerBackend", "0");
    f.put("coldWait", "0");
    flags.accept(f);
    RouterConfig cfg = ConfigLoader.load(f, Map.of(), null);
    RouterNode node = RouterNode.start(cfg, settings, InstantSource.system());
    nodes.add(node);
    return node;
  }

  public RouterNode member(List<String> backends) {
    return member(backends, f -> { });
  }

  public List<RouterNode> nodes() {
    return nodes;
  }

  public ClusterSettings settings() {
    return settings;
  }

  public static <T> T join(io.vertx.core.Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    for (RouterNode n : nodes) {
      try {
        n.terminate();
      } catch (RuntimeException ignored) {
        // already gone
      }
    }
    for (SimulatedBackend s : sims) {
      try {
        join(s.close());
      } catch (RuntimeException ignored) {
        // already gone
      }
    }
    join(simVertx.close());
  }
}
