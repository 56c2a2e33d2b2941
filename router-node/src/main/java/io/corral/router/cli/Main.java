package io.corral.router.cli;

import java.util.concurrent.ForkJoinPool;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/** The {@code corral} binary: {@code start}, {@code demo}, {@code sim}. */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    // before any Hazelcast class loads: no phone-home, logs through SLF4J
    System.setProperty("hazelcast.phone.home.enabled", "false");
    System.setProperty("hazelcast.logging.type", "slf4j");
    // before Vert.x starts: its asynchronous DNS resolver opens a UDP socket on every interface at start-up; the
    // JDK resolver (the system's, with its cache) opens none
    System.setProperty("vertx.disableDnsResolver", "true");
    if (runsAMember(args)) {
      warnIfCommonPoolTooSmall();
    }
    System.exit(CorralCommand.commandLine().execute(args));
  }

  /** {@code start} and {@code demo} run members; help, version and the other commands do not need the warning. */
  static boolean runsAMember(String[] args) {
    if (args.length == 0 || !(args[0].equals("start") || args[0].equals("demo"))) {
      return false;
    }
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h") || a.equals("--version") || a.equals("-V")) {
        return false;
      }
    }
    return true;
  }

  /**
   * Hazelcast completes async calls on the common pool; with parallelism 1 (the JVM default on 2 cores) it starts
   * a new thread per completion, which makes the request path slower than blocking calls.
   */
  static void warnIfCommonPoolTooSmall() {
    int parallelism = ForkJoinPool.commonPool().getParallelism();
    if (parallelism < 2) {
      LoggerFactory.getLogger(Main.class).warn("event=common_pool_too_small parallelism={} fix=\"run with "
          + "-Djava.util.concurrent.ForkJoinPool.common.parallelism=4 (scripts/corral does)\"", parallelism);
    }
  }
}
