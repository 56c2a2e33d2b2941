package io.corral.router.cli;

import io.corral.router.Version;
import io.corral.router.config.ConfigException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The root of the CLI. Bad flags and bad config print one error line and exit with 2. */
@Command(name = "corral",
    mixinStandardHelpOptions = true,
    versionProvider = CorralCommand.VersionProvider.class,
    description = {
        "A peer-coordinated router cluster for local LLM fleets (Ollama, llama-server).",
        "Run members with 'corral start', try everything on loopback with 'corral demo'."},
    subcommands = {StartCommand.class, DemoCommand.class, SimCommand.class, BackendCommand.class, SecretCommand.class,
        CommandLine.HelpCommand.class})
public final class CorralCommand implements Runnable {

  /** Exit code for bad flags or configuration. */
  public static final int EXIT_USAGE = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** A configured command line: one-line errors, exit code 2 for usage and configuration errors. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new CorralCommand());
    OptionSections.install(cl.getSubcommands().get("start"), OptionSections.START);
    cl.setParameterExceptionHandler((ex, args) -> {
      PrintWriter err = ex.getCommandLine().getErr();
      err.println("corral: error: " + ex.getMessage());
      err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
      err.flush();
      return EXIT_USAGE;
    });
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      if (ex instanceof ConfigException || ex instanceof IllegalArgumentException) {
        err.println("corral: error: " + ex.getMessage());
        err.flush();
        return EXIT_USAGE;
      }
      err.println("corral: failed: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
      err.flush();
      return 1;
    });
    return cl;
  }

  static final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"corral " + Version.current()};
    }
  }
}
