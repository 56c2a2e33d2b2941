package io.corral.discovery.rpc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads coordinators from {@code ps} output: a process list for hosts without {@code /proc}, and a fixture format
 * for tests. Expects one process a line, its pid then its arguments, as {@code ps -A -ww -o pid=,args=} or
 * {@code ps -eo pid,args} print them; a header line and anything that does not start with a pid are ignored.
 *
 * <p>{@code ps} joins the arguments with spaces, so they are split on white space again: an argument that itself
 * holds a space (a path with a space in it) comes back as two. Without {@code -ww}, {@code ps} may also cut long
 * lines at the terminal width, losing trailing {@code --rpc} entries. {@code /proc} has neither problem and is
 * preferred wherever it exists. Stateless and thread-safe.
 */
public final class PsListing {

  private static final Pattern LINE = Pattern.compile("\\s*(\\d+)\\s+(\\S.*)");

  private PsListing() {}

  /** The llama-server processes in {@code psOutput}, by pid. */
  public static List<Coordinator> coordinators(String psOutput) {
    List<Coordinator> found = new ArrayList<>();
    for (String line : psOutput.split("\\R")) {
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        continue;
      }
      long pid;
      try {
        pid = Long.parseLong(m.group(1));
      } catch (NumberFormatException e) {
        continue;
      }
      if (pid < 1) {
        continue;
      }
      List<String> argv = Arrays.asList(m.group(2).trim().split("\\s+"));
      LlamaServerCommandLine.parse(pid, argv).ifPresent(found::add);
    }
    found.sort(Comparator.comparingLong(Coordinator::pid));
    return List.copyOf(found);
  }
}
