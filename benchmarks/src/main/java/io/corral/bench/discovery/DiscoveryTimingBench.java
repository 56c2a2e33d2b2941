package io.corral.bench.discovery;

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
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How fast the cluster notices backends coming and going, with the member defaults (probe interval 5 s, circuit
 * breaker defaults), measured from outside: three {@code corral start} processes on loopback fed by one backends
 * file, simulated Ollama backends in this JVM, and a steady stream of requests through all members.
 *
 * <ul>
 *   <li>death: a backend stops (its port closes); time until no member routes a request to it any more (the last
 *       request any member sent there started this long after the death), and the client errors meanwhile;</li>
 *   <li>return: the same backend comes back on its port; time until every member has routed a request to it;</li>
 *   <li>new (file): a new backend is appended to the backends file; time until every member routed to it;</li>
 *   <li>new (admin API): a new backend is added with {@code POST /admin/backends}; same measure.</li>
 * </ul>
 *
 * <p>Usage: {@code DiscoveryTimingBench --jar corral.jar [--rounds 3] [--out FILE]}. Loopback only.
 */
public final class DiscoveryTimingBench {

  private static final String MODEL = "llama3";
  private static final String TOKEN = "bench-token";

  private final Path jar;
  private final int rounds;
  private final Path work;
  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Process> members = new ArrayList<>();
  private final List<String> memberUrls = new ArrayList<>();
  private final ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Path backendsFile;

  /** One request: when it started (ms since the bench began), through which member, where it went, status. */
  record Sample(long startMs, int member, String backend, int status, int attempts) {}

  DiscoveryTimingBench(Path jar, int rounds) throws IOException {
    this.jar = jar;
    this.rounds = rounds;
    this.work = Files.createTempDirectory("corral-discovery-bench");
    this.backendsFile = work.resolve("backends.txt");
  }

  public static void main(String[] args) throws Exception {
    Path jar = null;
    int rounds = 3;
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--jar" -> jar = Path.of(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (allowed: --jar PATH, --rounds N, --out FILE)");
      }
    }
    if (jar == null) {
      throw new IllegalArgumentException("--jar PATH is required");
    }
    DiscoveryTimingBench bench = new DiscoveryTimingBench(jar, rounds);
    String report;
    try {
      report = bench.run();
    } finally {
      bench.stop();
    }
    System.out.println(report);
    if (out != null) {
      Files.writeString(out, report);
    }
    System.exit(0);
  }

  private long t0;

  private long now() {
    return System.currentTimeMillis() - t0;
  }

  String run() throws Exception {
    t0 = System.currentTimeMillis();
    List<SimulatedBackend> fleet = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      fleet.add(sim(0));
    }
    Files.writeString(backendsFile, String.join("\n", fleet.stream().map(b -> b.url() + ";slots=2").toList())
        + "\n");
    startMembers(3);
    awaitEveryMemberSees(fleet.stream().map(SimulatedBackend::url).toList());
    List<Thread> clients = startClients(6);
    sleep(3000);

    List<long[]> deaths = new ArrayList<>();
    List<Long> returns = new ArrayList<>();
    List<Long> viaFile = new ArrayList<>();
    List<Long> viaAdmin = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      SimulatedBackend victim = fleet.get(r % fleet.size());
      int port = victim.port();
      String url = victim.url();
      long died = now();
      join(victim.close());
      sleep(12_000);
      deaths.add(new long[] {lastRoutedAfter(url, died) - died, lastRetriedAfter(died) - died,
          errorsBetween(died, now())});

      long back = now();
      SimulatedBackend revived = sim(port);
      fleet.set(r % fleet.size(), revived);
      returns.add(everyMemberRouted(url, back, 30_000) - back);

      SimulatedBackend added = sim(0);
      long appended = now();
      Files.writeString(backendsFile, added.url() + ";slots=2\n", StandardOpenOption.APPEND);
      viaFile.add(everyMemberRouted(added.url(), appended, 30_000) - appended);

      SimulatedBackend posted = sim(0);
      long postedAt = now();
      HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(memberUrls.get(r % 3)
              + "/admin/backends")).header("Authorization", "Bearer " + TOKEN).header("Content-Type",
              "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"" + posted.url()
              + "\",\"slots\":2}")).build(), HttpResponse.BodyHandlers.ofString());
      if (answer.statusCode() / 100 != 2) {
        throw new IllegalStateException("admin API answered " + answer.statusCode() + ": " + answer.body());
      }
      viaAdmin.add(everyMemberRouted(posted.url(), postedAt, 30_000) - postedAt);
      // back to three backends for the next round: stop the added ones (they are forgotten by nobody: the
      // file and admin entries stay, down, which is what an operator would see too)
      join(added.close());
      join(posted.close());
      sleep(8000);
    }
    running.set(false);
    for (Thread t : clients) {
      t.join(10_000);
    }
    return report(deaths, returns, viaFile, viaAdmin);
  }

  private String report(List<long[]> deaths, List<Long> returns, List<Long> viaFile, List<Long> viaAdmin) {
    long total = samples.size();
    long errors = samples.stream().filter(s -> s.status() != 200).count();
    StringBuilder b = new StringBuilder();
    b.append("| round | backend death -> no request answered by it (ms) | -> no member tries it any more (ms) "
        + "| client errors meanwhile | backend back -> every member routed to it (ms) | new in backends file -> "
        + "every member (ms) | new via admin API -> every member (ms) |\n|---|---|---|---|---|---|---|\n");
    for (int r = 0; r < deaths.size(); r++) {
      b.append(String.format(Locale.ROOT, "| %d | %d | %d | %d | %d | %d | %d |%n", r + 1, deaths.get(r)[0],
          deaths.get(r)[1], deaths.get(r)[2], returns.get(r), viaFile.get(r), viaAdmin.get(r)));
    }
    b.append(String.format(Locale.ROOT, "%nRequests: %d, non-200: %d (3 members, 6 client threads, "
        + "members at their defaults: probe interval 5s, backends file checked every 2s).%n", total, errors));
    return b.toString();
  }

  /** The start of the last request any member routed to {@code url} at or after {@code since}; since if none. */
  private long lastRoutedAfter(String url, long since) {
    return samples.stream().filter(s -> s.startMs() >= since && url.equals(s.backend()))
        .mapToLong(Sample::startMs).max().orElse(since);
  }

  /**
   * The start of the last request after {@code since} that needed more than one attempt: with failover a request
   * that meets the dead backend is answered by another, so this is when members stopped trying it.
   */
  private long lastRetriedAfter(long since) {
    return samples.stream().filter(s -> s.startMs() >= since && s.attempts() > 1).mapToLong(Sample::startMs)
        .max().orElse(since);
  }

  private long errorsBetween(long from, long to) {
    return samples.stream().filter(s -> s.startMs() >= from && s.startMs() <= to && s.status() != 200).count();
  }

  /** When the last member first routed to {@code url} after {@code since}; waits up to {@code limitMs}. */
  private long everyMemberRouted(String url, long since, long limitMs) {
    long deadline = now() + limitMs;
    while (now() < deadline) {
      long latest = -1;
      boolean all = true;
      for (int m = 0; m < memberUrls.size(); m++) {
        int member = m;
        long first = samples.stream().filter(s -> s.member() == member && s.startMs() >= since
            && url.equals(s.backend())).mapToLong(Sample::startMs).min().orElse(-1);
        if (first < 0) {
          all = false;
          break;
        }
        latest = Math.max(latest, first);
      }
      if (all) {
        return latest;
      }
      sleep(50);
    }
    throw new IllegalStateException(url + " was not routed to by every member within " + limitMs + " ms");
  }

  private List<Thread> startClients(int n) {
    AtomicInteger next = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Thread t = new Thread(() -> {
        while (running.get()) {
          int m = Math.floorMod(next.getAndIncrement(), memberUrls.size());
          long start = now();
          String backend = "";
          int attempts = 0;
          int status;
          try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(memberUrls.get(m)
                    + "/api/generate")).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"" + MODEL + "\",\"prompt\":\"hi\",\"stream\":false,\"options\":"
                        + "{\"num_predict\":4}}")).build(), HttpResponse.BodyHandlers.ofString());
            status = r.statusCode();
            backend = r.headers().firstValue("X-Corral-Backend").orElse("");
            attempts = Integer.parseInt(r.headers().firstValue("X-Corral-Attempts").orElse("1"));
          } catch (IOException e) {
            status = -1;
          } catch (InterruptedException e) {
            return;
          }
          samples.add(new Sample(start, m, backend, status, attempts));
        }
      }, "client-" + i);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    return threads;
  }

  private SimulatedBackend sim(int port) {
    return join(SimulatedBackend.start(vertx, SimBackendOptions.ollama(MODEL).withSlots(2)
        .withFirstTokenDelay(Duration.ofMillis(20)).withTokensPerSecond(0).withDefaultTokens(4), "127.0.0.1", port));
  }

  private void startMembers(int n) throws IOException {
    String cluster = "bench-discovery-" + UUID.randomUUID().toString().substring(0, 8);
    List<Integer> hz = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      hz.add(freePort());
    }
    String join = String.join(",", hz.stream().map(p -> "127.0.0.1:" + p).toList());
    for (int i = 0; i < n; i++) {
      int api = freePort();
      memberUrls.add("http://127.0.0.1:" + api);
      List<String> cmd = List.of("java", "-Djava.util.concurrent.ForkJoinPool.common.parallelism=4", "-jar",
          jar.toString(), "start", "--host", "127.0.0.1", "--port", Integer.toString(api), "--cluster-name", cluster,
          "--hazelcast-port", Integer.toString(hz.get(i)), "--join", join, "--backends-file",
          backendsFile.toString(), "--admin-token", TOKEN, "--dashboard-port", Integer.toString(freePort()));
      members.add(new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(work.resolve("member-" + (i + 1) + ".log").toFile()).start());
    }
  }

  private void awaitEveryMemberSees(List<String> backends) throws Exception {
    long deadline = System.currentTimeMillis() + 90_000;
    for (String m : memberUrls) {
      while (true) {
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(m + "/api/cluster")).build(),
              HttpResponse.BodyHandlers.ofString());
          if (r.statusCode() == 200 && backends.stream().allMatch(r.body()::contains)
              && r.body().split("\"health\":\"up\"", -1).length - 1 >= backends.size()) {
            break;
          }
        } catch (IOException e) {
          // not up yet
        }
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("members did not come up; logs in " + work);
        }
        sleep(200);
      }
    }
  }

  private void stop() {
    running.set(false);
    for (Process p : members) {
      p.destroy();
    }
    for (Process p : members) {
      try {
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    vertx.close();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static <T> T join(io.vertx.core.Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
