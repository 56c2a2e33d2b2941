package io.corral.router.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.router.config.RouterConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
        "--join", "127.0.0.1:5701,127.0.0.1:5702", "--multicast");
    RouterConfig c = cmd.resolve(Map.of("CORRAL_PORT", "9999", "CORRAL_CLUSTER_NAME", "lab"));
    assertThat(c.port()).isEqualTo(8123);
    assertThat(c.clusterName()).isEqualTo("lab");
    assertThat(c.join()).containsExactly("127.0.0.1:5701", "127.0.0.1:5702");
    assertThat(c.multicast()).isTrue();
    assertThat(c.backends()).singleElement().satisfies(b -> assertThat(b.slots()).isEqualTo(3));
  }
}
