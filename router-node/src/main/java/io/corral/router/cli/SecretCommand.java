package io.corral.router.cli;

import io.corral.cluster.trust.ClusterSecret;
import io.corral.router.config.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code corral secret new|rotate|finish}: makes the cluster secret every member must hold, and rolls it to a new
 * key without downtime. Files are written owner-only (0600) and replaced atomically; the secret is printed only when
 * no file is named.
 */
@Command(name = "secret", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Make or rotate the cluster secret (--cluster-secret-file on every member).",
        "",
        "Rotation without downtime: 'rotate' the file, copy it to every host and restart the members one at a time "
            + "(each accepts the old and the new key); then 'finish' it, copy it and restart them once more."},
    subcommands = {SecretCommand.New.class, SecretCommand.Rotate.class, SecretCommand.Finish.class})
public final class SecretCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "new", mixinStandardHelpOptions = true, description = "Make a new cluster secret.")
  static final class New implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "FILE", description = "Write it here (mode 0600; refuses to overwrite). "
        + "Default: print it.")
    Path out;

    @Override
    public Integer call() {
      ClusterSecret secret = ClusterSecret.generate(new SecureRandom());
      if (out == null) {
        spec.commandLine().getOut().print(secret.toText());
        spec.commandLine().getOut().flush();
        return 0;
      }
      if (Files.exists(out)) {
        throw new ConfigException(out + " exists; to change a cluster's secret use 'corral secret rotate " + out
            + "'");
      }
      write(out, secret);
      PrintWriter o = spec.commandLine().getOut();
      o.println("wrote the cluster secret to " + out + " (cluster id " + secret.clusterId() + "); give every member "
          + "--cluster-secret-file " + out);
      o.flush();
      return 0;
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = "Add a new current key to a secret file; the old key stays accepted until 'finish'.")
  static final class Rotate implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The secret file, rewritten in place.")
    Path file;

    @Override
    public Integer call() {
      ClusterSecret current = read(file);
      if (current.keyCount() > 1) {
        throw new ConfigException(file + " is already in a rotation (it holds " + current.keyCount()
            + " keys): finish it first with 'corral secret finish " + file + "'");
      }
      write(file, current.rotated(new SecureRandom()));
      PrintWriter o = spec.commandLine().getOut();
      o.println("rotated " + file + ": copy it to every member's host and restart the members one at a time; then "
          + "run 'corral secret finish " + file + "', copy it again and restart them once more");
      o.flush();
      return 0;
    }
  }

  @Command(name = "finish", mixinStandardHelpOptions = true,
      description = "End a rotation: keep only the current key of a secret file.")
  static final class Finish implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The secret file, rewritten in place.")
    Path file;

    @Override
    public Integer call() {
      ClusterSecret current = read(file);
      write(file, current.withoutPrevious());
      PrintWriter o = spec.commandLine().getOut();
      o.println(current.keyCount() > 1 ? "finished the rotation of " + file + ": copy it to every member's host and "
          + "restart the members one at a time" : file + " holds one key: no rotation to finish");
      o.flush();
      return 0;
    }
  }

  static ClusterSecret read(Path file) {
    try {
      return ClusterSecret.parse(Files.readString(file));
    } catch (IOException e) {
      throw new ConfigException("cannot read " + file + ": " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(file + ": " + e.getMessage());
    }
  }

  /** Owner-only from the first byte (the temporary file is created 0600), then moved into place. */
  static void write(Path file, ClusterSecret secret) {
    Path dir = file.toAbsolutePath().getParent();
    try {
      Path tmp;
      try {
        tmp = Files.createTempFile(dir, ".corral-secret", ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException notPosix) {
        tmp = Files.createTempFile(dir, ".corral-secret", ".tmp");
      }
      Files.writeString(tmp, secret.toText());
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new ConfigException("cannot write " + file + ": " + e.getMessage());
    }
  }
}
