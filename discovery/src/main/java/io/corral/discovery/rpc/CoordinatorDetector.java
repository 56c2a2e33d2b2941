package io.corral.discovery.rpc;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the llama-server processes running on THIS host and the rpc-servers they use: the first and most trusted
 * link of the RPC discovery chain, and the one that says which rpc-servers are busy and must never be touched.
 *
 * <p>Contract: {@link #detect()} BLOCKS: it reads a file per process (and a {@code /proc/<pid>/cmdline} read can
 * stall while that process's memory map is locked), or runs {@code ps}. Never call it on a Vert.x event loop: use
 * {@link #detect(Vertx)}, which runs it through {@code executeBlocking}. A process that ends while it is being read,
 * or whose command line cannot be read, is left out without a word; what it finds is ordered by pid. Thread-safe:
 * the detector holds only its configuration, and calls may overlap.
 *
 * <p>Implementation notes: the process list comes from {@code /proc/<pid>/cmdline} (NUL-separated arguments, so
 * arguments with spaces survive) under a root that tests can point at a fixture tree. Where that root does not
 * exist (not Linux), it falls back to {@code ps -A -ww -o pid=,args=} read through {@link PsListing}, with a time
 * limit, so a hung {@code ps} cannot hold a worker thread for ever.
 */
public final class CoordinatorDetector {

  private static final Logger log = LoggerFactory.getLogger(CoordinatorDetector.class);

  /** Where Linux shows its processes. */
  public static final Path PROC = Path.of("/proc");

  static final List<String> PS_COMMAND = List.of("ps", "-A", "-ww", "-o", "pid=,args=");
  private static final Duration PS_TIME_LIMIT = Duration.ofSeconds(5);

  private final Path procRoot;
  private final List<String> psCommand;
  private final Duration psTimeLimit;

  /** Reads processes from {@code procRoot} (normally {@link #PROC}; a fixture tree in tests). */
  public CoordinatorDetector(Path procRoot) {
    this(procRoot, PS_COMMAND, PS_TIME_LIMIT);
  }

  CoordinatorDetector(Path procRoot, List<String> psCommand, Duration psTimeLimit) {
    this.procRoot = Objects.requireNonNull(procRoot, "procRoot");
    this.psCommand = List.copyOf(psCommand);
    this.psTimeLimit = Objects.requireNonNull(psTimeLimit, "psTimeLimit");
  }

  /** A detector for this host's own processes. */
  public static CoordinatorDetector forThisHost() {
    return new CoordinatorDetector(PROC);
  }

  /** {@link #detect()} on a Vert.x worker thread; unordered, so overlapping calls do not queue behind each other. */
  public Future<List<Coordinator>> detect(Vertx vertx) {
    return vertx.executeBlocking(this::detect, false);
  }

  /**
   * The llama-server processes running now, by pid. BLOCKING: see the class comment. Never fails: a process list
   * that cannot be read at all is logged as a warning and gives an empty list.
   */
  public List<Coordinator> detect() {
    long started = System.nanoTime();
    List<Coordinator> found = Files.isDirectory(procRoot) ? fromProc() : fromPs();
    for (Coordinator c : found) {
      log.debug("event=coordinator_found pid={} api={} rpc_servers={}", c.pid(),
          c.api().map(Object::toString).orElse("unknown"), c.rpcServers());
    }
    log.debug("event=coordinator_detection_finished coordinators={} elapsed_ms={}", found.size(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    return found;
  }

  private List<Coordinator> fromProc() {
    List<Coordinator> found = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(procRoot, CoordinatorDetector::isPidDirectory)) {
      for (Path dir : entries) {
        long pid;
        try {
          pid = Long.parseLong(dir.getFileName().toString());
        } catch (NumberFormatException e) {
          continue; // more digits than a long holds: not a pid
        }
        List<String> argv = readCmdline(dir.resolve("cmdline"));
        LlamaServerCommandLine.parse(pid, argv).ifPresent(found::add);
      }
    } catch (IOException | RuntimeException e) {
      log.warn("event=coordinator_detection_failed source=proc root={} reason=\"{}\"", procRoot, e.toString());
      return List.of();
    }
    found.sort(Comparator.comparingLong(Coordinator::pid));
    return List.copyOf(found);
  }

  private static boolean isPidDirectory(Path entry) {
    String name = entry.getFileName().toString();
    return !name.isEmpty() && name.chars().allMatch(ch -> ch >= '0' && ch <= '9');
  }

  /**
   * The arguments of one process, or none when it is gone, a kernel thread or a zombie (empty cmdline), or not
   * readable by this user: all normal on a busy host, so nothing is logged.
   */
  private static List<String> readCmdline(Path cmdline) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(cmdline);
    } catch (IOException | SecurityException e) {
      return List.of();
    }
    List<String> argv = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= bytes.length; i++) {
      if (i == bytes.length || bytes[i] == 0) {
        // The final NUL terminates the last argument; it does not start an empty one.
        if (i < bytes.length || i > start) {
          argv.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
        }
        start = i + 1;
      }
    }
    return argv;
  }

  private List<Coordinator> fromPs() {
    String command = String.join(" ", psCommand);
    Path output = null;
    Process ps = null;
    try {
      // Output goes to a file rather than a pipe: reading a pipe would block past the time limit if ps hung.
      output = Files.createTempFile("corral-ps-", ".txt");
      ps = new ProcessBuilder(psCommand).redirectOutput(output.toFile())
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      if (!ps.waitFor(psTimeLimit.toMillis(), TimeUnit.MILLISECONDS) || ps.exitValue() != 0) {
        log.warn("event=coordinator_detection_failed source=ps command=\"{}\" reason=\"{}\"", command,
            ps.isAlive() ? "no answer within " + psTimeLimit.toMillis() + " ms" : "exit " + ps.exitValue());
        return List.of();
      }
      return PsListing.coordinators(Files.readString(output, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      log.warn("event=coordinator_detection_failed source=ps command=\"{}\" reason=\"{}\"", command,
          e.toString());
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    } finally {
      if (ps != null && ps.isAlive()) {
        ps.destroyForcibly();
      }
      deleteQuietly(output);
    }
  }

  private static void deleteQuietly(Path file) {
    if (file == null) {
      return;
    }
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.debug("event=ps_output_not_deleted file={} reason=\"{}\"", file, e.toString());
    }
  }
}
