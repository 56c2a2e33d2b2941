package io.corral.router.cli;

import io.corral.cluster.backends.BackendId;
import io.corral.cluster.backends.BackendKind;
import io.corral.discovery.fingerprint.BackendFingerprinter;
import io.corral.discovery.fingerprint.Fingerprint;
import io.corral.discovery.net.BackendReads;
import io.corral.router.protocol.ApiErrors;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code corral backend list|health|drain|enable}: the operator's view of the fleet through any running member,
 * and the checks they would otherwise do by hand with curl. Exit codes: 0 fine, 1 the member could not be asked
 * or refused the call, 2 bad flags, 3 a backend is not healthy (as {@code corral-ctl status} does for members).
 */
@Command(name = "backend", mixinStandardHelpOptions = true,
    description = {"Show and manage the cluster's backends through a running member.",
        "Exit 0 when fine, 1 when the member cannot be asked or refuses, 3 when a backend is not healthy."},
    subcommands = {BackendCommand.ListBackends.class, BackendCommand.Health.class, BackendCommand.Drain.class,
        BackendCommand.Enable.class})
public final class BackendCommand implements Runnable {

  /** Exit code when a backend is not healthy. */
  public static final int EXIT_UNHEALTHY = 3;

  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Which member to ask, and how long to wait for answers. */
  static final class MemberOptions {
    @Option(names = "--member", paramLabel = "URL", defaultValue = "${env:CORRAL_MEMBER:-http://127.0.0.1:8000}",
        description = "A member's API URL (env CORRAL_MEMBER). Default ${DEFAULT-VALUE}.")
    String member;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3",
        description = "How long to wait for the member and each probe. Default ${DEFAULT-VALUE}.")
    double timeoutSeconds;

    MemberClient client() {
      if (!(timeoutSeconds > 0)) {
        throw new IllegalArgumentException("--timeout must be more than 0 seconds");
      }
      URI uri;
      try {
        uri = URI.create(member.contains("://") ? member : "http://" + member);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("bad --member '" + member + "': give a URL like http://127.0.0.1:8000");
      }
      if (uri.getHost() == null) {
        throw new IllegalArgumentException("bad --member '" + member + "': give a URL like http://127.0.0.1:8000");
      }
      return new MemberClient(uri, timeout());
    }

    Duration timeout() {
      return Duration.ofMillis(Math.round(timeoutSeconds * 1000));
    }
  }

  @Command(name = "list", aliases = "status", mixinStandardHelpOptions = true,
      description = "Every backend the cluster knows: kind, health, slots in use across the cluster, models "
          + "(loaded ones marked *). Exit 3 when one is not up or draining.")
  static final class ListBackends implements Callable<Integer> {
    @Mixin
    MemberOptions options;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      MemberClient member = options.client();
      JsonObject cluster = member.cluster();
      List<ClusterBackend> backends = ClusterBackend.allIn(cluster);
      printHeader(out, member, cluster);
      if (backends.isEmpty()) {
        out.println("no backends. Fix: " + ApiErrors.NO_BACKENDS_FIX + ".");
        out.flush();
        return EXIT_UNHEALTHY;
      }
      int width = backends.stream().mapToInt(b -> b.id().length()).max().orElse(7);
      String row = "%-" + Math.max(width, 7) + "s  %-12s  %-12s  %-7s  %s%n";
      out.printf(row, "BACKEND", "KIND", "HEALTH", "IN USE", "MODELS (* loaded)");
      int notServing = 0;
      for (ClusterBackend b : backends) {
        out.printf(row, b.id(), b.kind(), b.health(), b.inFlight() + "/" + b.slots(), b.modelList());
        if (!b.serving() && !b.health().equals("draining")) {
          notServing++;
        }
      }
      for (ClusterBackend b : backends) {
        if (!b.serving() && !b.lastError().isBlank()) {
          out.println(b.id() + ": " + b.lastError());
        }
      }
      JsonObject queue = cluster.getJsonObject("queue", new JsonObject());
      out.println(backends.size() + " backend(s), " + notServing + " not serving; " + queue.getInteger("depth", 0)
          + " request(s) waiting in the cluster queue.");
      if (notServing > 0) {
        out.println("Why and what to do: corral backend health");
      }
      out.flush();
      return notServing > 0 ? EXIT_UNHEALTHY : 0;
    }
  }

  @Command(name = "health", mixinStandardHelpOptions = true,
      description = {"Checks backends twice: as the cluster sees them, and by probing them from this machine the "
          + "way members do (Ollama /api/version /api/tags /api/ps; llama-server /props /v1/models /health).",
          "Prints what is wrong and what to try. Exit 3 when one is not healthy."})
  static final class Health implements Callable<Integer> {
    @Mixin
    MemberOptions options;

    @Parameters(arity = "0..*", paramLabel = "BACKEND",
        description = "host:port or URL; default every backend the cluster knows. One the cluster does not know "
            + "is still probed (check a server before adding it).")
    List<String> wanted = new ArrayList<>();

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      List<BackendId> ids = new ArrayList<>();
      for (String w : wanted) {
        ids.add(BackendId.of(w));
      }
      MemberClient member = options.client();
      JsonObject cluster = member.cluster();
      List<ClusterBackend> known = ClusterBackend.allIn(cluster);
      if (ids.isEmpty()) {
        known.forEach(b -> ids.add(BackendId.of(b.id())));
      }
      printHeader(out, member, cluster);
      if (ids.isEmpty()) {
        out.println("no backends to check. Fix: give one (corral backend health host:port) or add backends to the "
            + "cluster.");
        out.flush();
        return EXIT_UNHEALTHY;
      }
      int unhealthy = 0;
      Vertx vertx = Vertx.vertx();
      try {
        // certificates are checked as members check them, so a TLS problem shows here too
        // this machine's own check of what the operator named: no range check, the same size caps
        BackendFingerprinter fingerprinter = new BackendFingerprinter(BackendReads.unrestricted(vertx,
            vertx.createHttpClient()), options.timeout().toMillis());
        for (BackendId id : ids) {
          Optional<ClusterBackend> view = known.stream().filter(b -> b.id().equals(id.value())).findFirst();
          BackendKind kind = view.map(b -> BackendKind.parse(b.kind())).orElse(BackendKind.UNKNOWN);
          Optional<Fingerprint> here = Optional.empty();
          long took = 0;
          if (kind != BackendKind.RPC_SERVER) {
            long start = System.nanoTime();
            // four probes at most, one after another, each bounded by the timeout
            here = Optional.of(fingerprinter.probe(id, kind).toCompletionStage().toCompletableFuture()
                .get(options.timeout().toMillis() * 5, TimeUnit.MILLISECONDS));
            took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
          }
          BackendAdvice.Verdict verdict = BackendAdvice.advise(id, view, here);
          print(out, id, view, here, took, verdict);
          if (!verdict.healthy()) {
            unhealthy++;
          }
        }
      } finally {
        vertx.close();
      }
      out.println(ids.size() + " checked, " + unhealthy + " not healthy.");
      out.flush();
      return unhealthy > 0 ? EXIT_UNHEALTHY : 0;
    }

    private static void print(PrintWriter out, BackendId id, Optional<ClusterBackend> view,
        Optional<Fingerprint> here, long tookMillis, BackendAdvice.Verdict verdict) {
      out.println(id.value() + view.map(b -> " (" + b.kind() + ")").orElse(""));
      out.println("  cluster:   " + view.map(Health::clusterLine).orElse("not known to any member"));
      out.println("  from here: " + here.map(f -> probeLine(f, tookMillis)).orElse("not probed (not an HTTP "
          + "server)"));
      for (String fix : verdict.fixes()) {
        out.println("  fix:       " + fix);
      }
      out.println("  -> " + (verdict.healthy() ? "healthy" : "NOT healthy"));
    }

    private static String clusterLine(ClusterBackend b) {
      StringBuilder s = new StringBuilder(b.health());
      if (b.updatedAt() > 0) {
        s.append(" for ").append(age(System.currentTimeMillis() - b.updatedAt()));
        if (!b.observedBy().isBlank()) {
          s.append(" (as ").append(b.observedBy()).append(" saw it)");
        }
      }
      s.append("; ").append(b.inFlight()).append(" of ").append(b.slots()).append(" slots in use; models ")
          .append(b.modelList());
      if (!b.serving() && !b.lastError().isBlank()) {
        s.append("; last error: ").append(b.lastError());
      }
      return s.toString();
    }

    private static String age(long millis) {
      long ms = Math.max(0, millis);
      if (ms < 1000) {
        return ms + " ms";
      }
      return ms < 120_000 ? ms / 1000 + " s" : ms < 7_200_000 ? ms / 60_000 + " min" : ms / 3_600_000 + " h";
    }

    private static String probeLine(Fingerprint f, long tookMillis) {
      if (f.corralMember()) {
        return "answers as a corral member, not a backend";
      }
      if (!f.reachable()) {
        return "no answer (" + (f.error().isBlank() ? "unreachable" : f.error()) + ", " + tookMillis + " ms)";
      }
      StringBuilder s = new StringBuilder("answers as ").append(f.kind().wireName());
      if (!f.version().isBlank()) {
        s.append(' ').append(f.version());
      }
      s.append(" in ").append(tookMillis).append(" ms; ").append(f.ready() ? "ready" : "NOT ready");
      s.append("; ").append(f.models().size()).append(" model(s), ").append(f.loadedModels().size())
          .append(" loaded");
      if (f.reportedSlots() > 0) {
        s.append("; reports ").append(f.reportedSlots()).append(" slot(s)");
      }
      if (!f.ready() && !f.error().isBlank()) {
        s.append(" (").append(f.error()).append(')');
      }
      return s.toString();
    }
  }

  /** Drain and enable differ only in the admin call and the words. */
  abstract static class AdminAction implements Callable<Integer> {
    @Mixin
    MemberOptions options;

    @Option(names = "--admin-token", paramLabel = "TOKEN", defaultValue = "${env:CORRAL_ADMIN_TOKEN}",
        description = "The members' admin token, if they have one (prefer env CORRAL_ADMIN_TOKEN: flags show in "
            + "ps).")
    String token;

    @Parameters(index = "0", paramLabel = "BACKEND", description = "host:port or URL of the backend.")
    String backend;

    @Spec
    CommandLine.Model.CommandSpec spec;

    abstract String action();

    abstract String done();

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      BackendId id = BackendId.of(backend);
      MemberClient.AdminAnswer answer = options.client().admin(BackendAdvice.shortId(id), action(), token);
      if (answer.ok()) {
        out.println(id.value() + ": " + done());
        out.flush();
        return 0;
      }
      String fix = switch (answer.status()) {
        case 401 -> " Fix: pass the members' admin token (env CORRAL_ADMIN_TOKEN or --admin-token).";
        case 404 -> " Fix: see the backends the cluster knows with 'corral backend list'.";
        default -> "";
      };
      err.println("corral: " + action() + " refused (" + answer.status() + "): " + answer.message() + "." + fix);
      err.flush();
      return 1;
    }
  }

  @Command(name = "drain", mixinStandardHelpOptions = true,
      description = "Stop sending new requests to a backend, cluster-wide; running requests finish. Undo with "
          + "'enable'.")
  static final class Drain extends AdminAction {
    @Override
    String action() {
      return "drain";
    }

    @Override
    String done() {
      return "draining: no new requests on any member; running ones finish. 'corral backend enable' undoes it.";
    }
  }

  @Command(name = "enable", mixinStandardHelpOptions = true,
      description = "Let a drained backend take requests again (from its next probe, which runs at once).")
  static final class Enable extends AdminAction {
    @Override
    String action() {
      return "enable";
    }

    @Override
    String done() {
      return "enabled: it serves again from its next probe, which runs at once.";
    }
  }

  private static void printHeader(PrintWriter out, MemberClient member, JsonObject cluster) {
    JsonObject leader = cluster.getJsonObject("leader");
    int members = cluster.getJsonArray("members") == null ? 0 : cluster.getJsonArray("members").size();
    out.println("cluster '" + cluster.getString("cluster", "?") + "' as seen by " + member.member() + ": "
        + members + " member(s), leader " + (leader == null ? "none elected yet"
        : leader.getString("name", "?") + " (" + leader.getString("apiUrl", "?") + ")"));
  }
}
