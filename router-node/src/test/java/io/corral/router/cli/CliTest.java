package io.corral.router.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.cluster.trust.ClusterSecret;
import io.corral.router.config.RouterConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    CommandLine cl = CorralCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void helpDescribesEachSubcommand() {
    Run root = run("--help");
    assertThat(root.exit()).isZero();
    assertThat(root.out()).contains("start", "demo", "sim");
    Run start = run("start", "--help");
    assertThat(start.exit()).isZero();
    assertThat(start.out()).contains("--backend", "--join", "--hazelcast-port", "CORRAL_HAZELCAST_PORT",
        "flags > env > config file > defaults");
    assertThat(run("demo", "--help").out()).contains("--members", "--slots");
    assertThat(run("sim", "--help").out()).contains("--ollama", "--llama-server", "/_sim/faults");
    assertThat(run("backend", "--help").out()).contains("list", "health", "drain", "enable");
    assertThat(run("backend", "health", "--help").out()).contains("--member", "CORRAL_MEMBER", "--timeout");
  }

  @Test
  void anUnknownFlagIsOneErrorLineAndExitCode2() {
    Run r = run("start", "--no-such-flag");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines().findFirst().orElseThrow()).startsWith("corral: error: Unknown option");
  }

  @Test
  void aBadValueIsOneErrorLineAndExitCode2() {
    Run r = run("start", "--port", "eighty");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines().toList()).hasSize(1);
    assertThat(r.err()).contains("bad value for port (flag --port)");
  }

  @Test
  void aBadConfigFileIsOneErrorLineAndExitCode2(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("c.yaml");
    Files.writeString(f, "colour: blue\n");
    Run r = run("start", "--config", f.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines().toList()).hasSize(1);
    assertThat(r.err()).contains("unknown setting 'colour'");
  }

  @Test
  void startFlagsFeedTheSameSettingsAsEnvAndFile() {
    StartCommand cmd = new StartCommand();
    new CommandLine(cmd).parseArgs("--port", "8123", "--backend", "http://127.0.0.1:11434;slots=3",
        "--join", "127.0.0.1:5701,127.0.0.1:5702", "--multicast", "--insecure-cluster");
    RouterConfig c = cmd.resolve(Map.of("CORRAL_PORT", "9999", "CORRAL_CLUSTER_NAME", "lab"));
    assertThat(c.port()).isEqualTo(8123);
    assertThat(c.clusterName()).isEqualTo("lab");
    assertThat(c.join()).containsExactly("127.0.0.1:5701", "127.0.0.1:5702");
    assertThat(c.multicast()).isTrue();
    assertThat(c.backends()).singleElement().satisfies(b -> assertThat(b.slots()).isEqualTo(3));
  }

  @Test
  void aClusterInterfaceBeyondLoopbackWithoutASecretIsOneErrorLineThatSaysHowToMakeOne() {
    Run r = run("start", "--interface", "192.0.2.10");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err().lines().toList()).hasSize(1);
    assertThat(r.err()).contains("192.0.2.10", "corral secret new", "--cluster-secret-file", "--insecure-cluster");
    StartCommand multicast = new StartCommand();
    new CommandLine(multicast).parseArgs("--multicast");
    assertThatThrownBy(() -> multicast.resolve(Map.of()))
        .hasMessageContaining("multicast");
  }

  @Test
  void theSecretComesFromAFileOrTheEnvironmentAndNeverAppearsInAnError(@TempDir Path dir) throws Exception {
    Path secret = dir.resolve("cluster.secret");
    Run made = run("secret", "new", "--out", secret.toString());
    assertThat(made.exit()).isZero();
    assertThat(made.out()).contains("--cluster-secret-file " + secret);
    assertThat(Files.getPosixFilePermissions(secret)).containsExactlyInAnyOrder(
        PosixFilePermission.OWNER_READ,
        PosixFilePermission.OWNER_WRITE);
    StartCommand fromFile = new StartCommand();
    new CommandLine(fromFile).parseArgs("--interface", "192.0.2.10", "--cluster-secret-file", secret.toString());
    RouterConfig c = fromFile.resolve(Map.of());
    assertThat(c.trust().secured()).isTrue();
    String text = Files.readString(secret);
    assertThat(new StartCommand().resolve(Map.of("CORRAL_CLUSTER_SECRET", text)).trust().secret().clusterId())
        .isEqualTo(c.trust().secret().clusterId());
    Run tooShort = run("start", "--cluster-secret-file", write(dir, "short", "hunter2"));
    assertThat(tooShort.exit()).isEqualTo(2);
    assertThat(tooShort.err()).contains("too short").doesNotContain("hunter2");
    Run missing = run("start", "--cluster-secret-file", dir.resolve("nope").toString());
    assertThat(missing.err()).contains("does not exist", "corral secret new");
  }

  private static String write(Path dir, String name, String content) throws IOException {
    Path f = dir.resolve(name);
    Files.writeString(f, content);
    return f.toString();
  }

  @Test
  void aSecretRotatesInTwoStepsAndKeepsItsCluster(@TempDir Path dir) throws Exception {
    Path secret = dir.resolve("cluster.secret");
    assertThat(run("secret", "new", "--out", secret.toString()).exit()).isZero();
    String id = ClusterSecret.parse(Files.readString(secret)).clusterId();
    assertThat(run("secret", "new", "--out", secret.toString()).err()).contains("exists", "corral secret rotate");
    Run rotated = run("secret", "rotate", secret.toString());
    assertThat(rotated.exit()).isZero();
    assertThat(rotated.out()).contains("one at a time", "corral secret finish");
    ClusterSecret rolling = ClusterSecret.parse(
        Files.readString(secret));
    assertThat(rolling.keyCount()).isEqualTo(2);
    assertThat(rolling.clusterId()).isEqualTo(id);
    assertThat(run("secret", "rotate", secret.toString()).err()).contains("finish it first");
    assertThat(run("secret", "finish", secret.toString()).exit()).isZero();
    assertThat(ClusterSecret.parse(Files.readString(secret)).keyCount()).isOne();
    Run printed = run("secret", "new");
    assertThat(printed.out()).contains(ClusterSecret.TOKEN_PREFIX);
  }

  @Test
  void startsHelpPutsEveryOptionUnderATopicWithCopyableExamplesAndNoWarnings() {
    Run r = run("start", "--help");
    assertThat(r.out()).startsWith("Usage: corral start [OPTIONS]");
    assertThat(r.out() + r.err()).doesNotContain("WARN");
    String other = r.out().substring(r.out().indexOf("\nOther:"), r.out().indexOf("\nExamples:"));
    assertThat(other.lines().filter(l -> l.trim().startsWith("-"))).as("options under Other")
        .allMatch(l -> l.contains("--help") || l.contains("--version"));
    var spec = CorralCommand.commandLine().getSubcommands().get("start").getCommandSpec();
    for (java.util.List<String> names : OptionSections.START.values()) {
      for (String name : names) {
        assertThat(spec.findOption(name)).as("a section names " + name).isNotNull();
        if (!spec.findOption(name).hidden()) {
          assertThat(r.out()).as("help shows " + name).contains(name);
        }
      }
    }
    String examples = r.out().substring(r.out().indexOf("\nExamples:"));
    assertThat(examples.lines()).as("example lines fit 80 columns, so nothing wraps inside a URL")
        .allMatch(l -> l.length() <= 80);
  }
}
