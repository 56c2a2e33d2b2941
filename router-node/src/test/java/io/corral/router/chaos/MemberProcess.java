package io.corral.router.chaos;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One corral member as a real operating-system process ({@code java -jar corral.jar start ...}) on fixed loopback
 * ports, so it can be killed with SIGKILL and started again on the same API and Hazelcast ports, the way an
 * operator's supervisor would restart it.
 *
 * <p>Each start writes a new log ({@code member-2.log}, then {@code member-2.restart-1.log}) so the log of a
 * killed run survives for the report. Not thread-safe: the chaos test drives it from its own thread.
 */
final class MemberProcess {

  private final String name;
  private final int apiPort;
  private final List<String> command;
  private final Path logDir;
  private Process process;
  private int starts;

  /**
   * @param name a short label for logs and the report ({@code member-1})
   * @param apiPort the API port, kept across restarts so clients' round-robin list stays valid
   * @param command the whole command line (java, JVM flags, {@code -jar corral.jar start ...})
   * @param logDir where each run's combined stdout/stderr goes
   */
  MemberProcess(String name, int apiPort, List<String> command, Path logDir) {
    this.name = name;
    this.apiPort = apiPort;
    this.command = List.copyOf(command);
    this.logDir = logDir;
  }

  /** The command line every member runs, only the ports and names differ. */
  static List<String> corralStart(Path jar, List<String> startFlags) {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        // Hazelcast completes async calls on the common pool; with the 2-core default of 1 thread it spawns
        // a thread per call (see scripts/corral).
        "-Djava.util.concurrent.ForkJoinPool.common.parallelism=4",
        // Four JVMs share two cores here: a small heap and the serial collector keep them from fighting.
        "-Xmx256m", "-XX:+UseSerialGC",
        "-jar", jar.toString(), "start"));
    cmd.addAll(startFlags);
    return cmd;
  }

  void start() throws IOException {
    if (isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    String log = starts == 0 ? name + ".log" : name + ".restart-" + starts + ".log";
    starts++;
    process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(logDir.resolve(log).toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
    process.getOutputStream().close();
  }

  /** SIGKILL: no shutdown hook runs, the OS closes its sockets, exactly what a crash looks like to peers. */
  void kill() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL for 10 s");
    }
  }

  /** SIGTERM, the graceful stop, bounded; then SIGKILL so no process outlives the test. */
  void stop() throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      kill();
    }
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  String name() {
    return name;
  }

  String apiUrl() {
    return "http://127.0.0.1:" + apiPort;
  }

  @Override
  public String toString() {
    return name + "[" + apiUrl() + (isAlive() ? " pid " + process.pid() : " down") + "]";
  }
}
