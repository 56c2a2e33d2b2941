package io.corral.router;

import io.corral.router.cli.CorralCommand;
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
    warnIfCommonPoolTooSmall();
    System.exit(CorralCommand.commandLine().execute(args));
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
