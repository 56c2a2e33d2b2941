package io.corral.router.process;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.corral.cluster.trust.ClusterSecret;
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
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The built {@code corral.jar} run as one member process, as an operator starts it: a cluster secret in the
 * environment, the common pool sized as {@code scripts/corral} does, the test's JVM and start flags.
 */
final class MemberJar {

  private MemberJar() {
  }

  /** The jar, or the test is skipped (it runs after {@code mvn package}). */
  static Path jarOrSkip() {
    Path jar = Path.of(System.getProperty("corral.jar", "target/corral.jar")).toAbsolutePath();
    assumeTrue(Files.isRegularFile(jar), "corral.jar is not built: run 'mvn package' first");
    return jar;
  }

  /** {@code java JVM_FLAGS -jar corral.jar start START_FLAGS}, output to {@code log}. */
  static Process start(Path jar, List<String> jvmFlags, List<String> startFlags, Path log) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.util.concurrent.ForkJoinPool.common.parallelism=4"));
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-jar", jar.toString(), "start"));
    cmd.addAll(startFlags);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("CORRAL_CLUSTER_SECRET", ClusterSecret.generate(new SecureRandom()).toText());
    return pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  static void awaitReady(HttpClient http, String base) {
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http.send(
        HttpRequest.newBuilder(URI.create(base + "/ready")).build(), HttpResponse.BodyHandlers.ofString())
        .statusCode() == 200);
  }

  /** SIGTERM, then SIGKILL if it is still there after 15 s. */
  static void stop(Process member) throws InterruptedException {
    if (member == null) {
      return;
    }
    member.destroy();
    if (!member.waitFor(15, TimeUnit.SECONDS)) {
      member.destroyForcibly();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
