package io.corral.bench.formation;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * How long three {@code corral start} processes take to form one cluster with the cluster secret (every member
 * connection goes through the handshake) against without it, alternating the two in each round. Measured from
 * outside, as an operator sees it:
 * <ul>
 *   <li>first: from launching member 1 to its {@code /health} answering (JVM start, Hazelcast forming alone);</li>
 *   <li>join: from launching members 2 and 3 together to member 1's {@code /api/cluster} listing three members;</li>
 *   <li>total: the two together.</li>
 * </ul>
 *
 * <p>Usage: {@code FormationBench --jar corral.jar [--rounds 5] [--out FILE]}. Loopback only.
 */
public final class FormationBench {

  private final Path jar;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

  record Run(boolean secret, long firstMs, long joinMs) {
    long totalMs() {
      return firstMs + joinMs;
    }
  }

  FormationBench(Path jar) {
    this.jar = jar;
  }

  public static void main(String[] args) throws Exception {
    Path jar = null;
    int rounds = 5;
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--jar" -> jar = Path.of(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (jar == null || !Files.isRegularFile(jar)) {
      throw new IllegalArgumentException("--jar must name the built corral.jar");
    }
    FormationBench bench = new FormationBench(jar);
    List<Run> runs = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      // alternate which goes first, so a drift of the machine's speed does not favour one
      for (boolean secret : r % 2 == 0 ? new boolean[] {true, false} : new boolean[] {false, true}) {
        Run run = bench.once(secret);
        System.err.printf(Locale.ROOT, "round %d %s: first %d ms, join %d ms%n", r + 1,
            secret ? "secret" : "none", run.firstMs(), run.joinMs());
        runs.add(run);
      }
    }
    String report = report(runs, rounds);
    System.out.print(report);
    if (out != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(out, report);
    }
  }

  Run once(boolean secret) throws Exception {
    int hazelcast = ThreadLocalRandom.current().nextInt(20_000, 31_000);
    String join = "127.0.0.1:" + hazelcast + ",127.0.0.1:" + (hazelcast + 1) + ",127.0.0.1:" + (hazelcast + 2);
    String name = "formation-" + HexFormat.of().formatHex(randomBytes(4));
    String secretText = secret ? "corral-secret-v1:" + HexFormat.of().formatHex(randomBytes(8)) + ":"
        + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32)) : null;
    List<Process> members = new ArrayList<>();
    try {
      int[] api = {freePort(), freePort(), freePort()};
      long t0 = System.nanoTime();
      members.add(launch(api[0], hazelcast, join, name, secretText));
      String first = "http://127.0.0.1:" + api[0];
      waitUntil(() -> status(first + "/health") == 200, Duration.ofSeconds(60));
      long t1 = System.nanoTime();
      members.add(launch(api[1], hazelcast + 1, join, name, secretText));
      members.add(launch(api[2], hazelcast + 2, join, name, secretText));
      waitUntil(() -> memberCount(first) == 3, Duration.ofSeconds(60));
      long t2 = System.nanoTime();
      return new Run(secret, TimeUnit.NANOSECONDS.toMillis(t1 - t0), TimeUnit.NANOSECONDS.toMillis(t2 - t1));
    } finally {
      for (Process p : members) {
        p.destroy();
      }
      for (Process p : members) {
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      }
    }
  }

  private Process launch(int apiPort, int hazelcastPort, String join, String name, String secretText)
      throws IOException {
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.util.concurrent.ForkJoinPool.common.parallelism=4", "-Xmx256m", "-XX:+UseSerialGC", "-jar",
        jar.toString(), "start", "--port", Integer.toString(apiPort), "--hazelcast-port",
        Integer.toString(hazelcastPort), "--join", join, "--cluster-name", name, "--dashboard-port", "0");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect
        .DISCARD);
    if (secretText != null) {
      pb.environment().put("CORRAL_CLUSTER_SECRET", secretText);
    } else {
      pb.environment().remove("CORRAL_CLUSTER_SECRET");
    }
    return pb.start();
  }

  private int status(String url) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException | InterruptedException e) {
      return -1;
    }
  }

  private int memberCount(String base) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/cluster"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? new JsonObject(r.body()).getJsonArray("members").size() : -1;
    } catch (IOException | InterruptedException | RuntimeException e) {
      return -1;
    }
  }

  private static void waitUntil(BooleanSupplier done, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not done within " + limit);
      }
      Thread.sleep(10);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }

  static String report(List<Run> runs, int rounds) {
    StringBuilder sb = new StringBuilder();
    sb.append("## Cluster formation with and without the cluster secret\n\n");
    sb.append(String.format(Locale.ROOT, "%d rounds, the two modes alternating; 3 `corral start` processes on "
        + "loopback; ms (median [min-max]).%n%n", rounds));
    sb.append("| | first member up | two more joined | total |\n|---|---|---|---|\n");
    for (boolean secret : new boolean[] {true, false}) {
      List<Run> mine = runs.stream().filter(r -> r.secret() == secret).toList();
      sb.append("| ").append(secret ? "with secret (handshake)" : "without secret").append(" | ")
          .append(stat(mine.stream().mapToLong(Run::firstMs).sorted().toArray())).append(" | ")
          .append(stat(mine.stream().mapToLong(Run::joinMs).sorted().toArray())).append(" | ")
          .append(stat(mine.stream().mapToLong(Run::totalMs).sorted().toArray())).append(" |\n");
    }
    // the ratio pair by pair (each round ran both), so a drift of the machine cancels out
    List<Run> with = runs.stream().filter(Run::secret).toList();
    List<Run> without = runs.stream().filter(r -> !r.secret()).toList();
    double[] ratios = new double[Math.min(with.size(), without.size())];
    for (int i = 0; i < ratios.length; i++) {
      ratios[i] = with.get(i).totalMs() / (double) without.get(i).totalMs();
    }
    Arrays.sort(ratios);
    sb.append(String.format(Locale.ROOT, "%nTotal with/without, per round: median %.3f [%.3f-%.3f].%n",
        ratios[ratios.length / 2], ratios[0], ratios[ratios.length - 1]));
    return sb.toString();
  }

  private static String stat(long[] sorted) {
    return String.format(Locale.ROOT, "%d [%d-%d]", sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1]);
  }
}
