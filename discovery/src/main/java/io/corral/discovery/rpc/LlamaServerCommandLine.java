package io.corral.discovery.rpc;

import io.corral.cluster.HostPort;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells from a process's argument list whether it is a llama-server, and if so which rpc-servers it uses and where
 * its own API listens. Shared by every process source ({@code /proc}, {@code ps}), so they agree.
 *
 * <p>Implementation notes. Only the argument in PROGRAM position is matched against {@code llama-server}: argv[0],
 * or, when argv[0] is a launcher, the first argument after the launcher's own options. Launchers are the dynamic
 * loader ({@code ld-linux-x86-64.so.2 --library-path DIR /path/llama-server ...}, as the packages in
 * shared/real-backends run) and shells running a wrapper script named llama-server ({@code /bin/sh
 * /opt/llama-server --rpc ...}). Matching any argument instead would make {@code tail -f llama-server.log},
 * {@code systemctl status llama-server} or a {@code grep "llama-server --rpc ..."} typed while debugging look like
 * coordinators with an API on 127.0.0.1:8080 that does not exist. A shell given {@code -c} is not a coordinator:
 * it either execs llama-server (same pid, seen as llama-server itself) or runs it as a child (seen on its own).
 *
 * <p>Options are read as llama-server reads them: {@code --rpc LIST}/{@code --rpc=LIST} (comma-separated
 * host:port; repeated flags add up, as recent llama.cpp registers devices per flag), {@code --host},
 * {@code --port} (the last one wins). Environment variables ({@code LLAMA_ARG_RPC} and friends) are not seen.
 */
final class LlamaServerCommandLine {

  private static final Logger log = LoggerFactory.getLogger(LlamaServerCommandLine.class);

  static final String DEFAULT_HOST = "127.0.0.1";
  static final int DEFAULT_PORT = 8080;
  private static final String PROGRAM = "llama-server";

  /** glibc and musl loader names: ld-linux-x86-64.so.2, ld-linux-aarch64.so.1, ld-linux.so.2, ld64.so.2 ... */
  private static final Pattern LOADER = Pattern.compile("(ld-linux[\\w.-]*|ld64|ld-musl-[\\w-]+|ld)\\.so(\\.\\d+)*");
  private static final Set<String> LOADER_OPTIONS_WITH_VALUE = Set.of("--library-path", "--inhibit-rpath",
      "--audit", "--preload", "--argv0", "--glibc-hwcaps-prepend", "--glibc-hwcaps-mask");
  private static final Set<String> SHELLS = Set.of("sh", "bash", "dash", "ash", "ksh", "mksh", "zsh");
  private static final Set<String> SHELL_OPTIONS_WITH_VALUE = Set.of("-o", "+o", "-O", "+O");

  private LlamaServerCommandLine() {}

  /** The coordinator this argument list starts, or empty when it is not a llama-server. */
  static Optional<Coordinator> parse(long pid, List<String> argv) {
    int program = programIndex(argv);
    if (program < 0) {
      return Optional.empty();
    }
    Options options = new Options(pid);
    List<String> args = argv.subList(program + 1, argv.size());
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      if (!name.equals("--rpc") && !name.equals("--host") && !name.equals("--port")) {
        continue;
      }
      String value;
      if (arg.length() > name.length()) {
        value = arg.substring(name.length() + 1);
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        log.debug("event=coordinator_option_without_value pid={} option={}", pid, name);
        continue;
      }
      options.take(name, value);
    }
    return Optional.of(new Coordinator(pid, options.api(), List.copyOf(options.rpcServers)));
  }

  private static int programIndex(List<String> argv) {
    if (argv.isEmpty()) {
      return -1;
    }
    String first = fileName(argv.get(0));
    if (isLlamaServer(first)) {
      return 0;
    }
    boolean loader = LOADER.matcher(first).matches();
    if (!loader && !SHELLS.contains(first)) {
      return -1;
    }
    Set<String> optionsWithValue = loader ? LOADER_OPTIONS_WITH_VALUE : SHELL_OPTIONS_WITH_VALUE;
    for (int i = 1; i < argv.size(); i++) {
      String arg = argv.get(i);
      if (optionsWithValue.contains(arg)) {
        i++;
      } else if (!loader && isShellCommandOption(arg)) {
        return -1;
      } else if (!arg.startsWith("-") && (loader || !arg.startsWith("+"))) {
        return isLlamaServer(fileName(arg)) ? i : -1;
      }
    }
    return -1;
  }

  /** {@code -c}, also inside a cluster such as {@code -ec}: what follows is a command string, not a script. */
  private static boolean isShellCommandOption(String arg) {
    return arg.startsWith("-") && !arg.startsWith("--") && arg.indexOf('c') > 0;
  }

  /** A versioned or suffixed build ({@code llama-server-b4567}) counts; a command string with spaces does not. */
  private static boolean isLlamaServer(String fileName) {
    return fileName.startsWith(PROGRAM) && fileName.chars().noneMatch(Character::isWhitespace);
  }

  private static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** The options of one command line as they accumulate. */
  private static final class Options {

    private final long pid;
    private final Set<HostPort> rpcServers = new LinkedHashSet<>();
    private String host = DEFAULT_HOST;
    private String port = Integer.toString(DEFAULT_PORT);

    Options(long pid) {
      this.pid = pid;
    }

    void take(String name, String value) {
      switch (name) {
        case "--rpc" -> rpcServers.addAll(rpcList(value));
        case "--host" -> host = value;
        default -> port = value;
      }
    }

    private List<HostPort> rpcList(String list) {
      List<HostPort> servers = new ArrayList<>();
      for (String entry : list.split(",", -1)) {
        rpcEntry(entry.trim()).ifPresent(servers::add);
      }
      return servers;
    }

    private Optional<HostPort> rpcEntry(String entry) {
      if (entry.isEmpty()) {
        log.debug("event=rpc_entry_skipped pid={} entry=\"\" reason=empty", pid);
        return Optional.empty();
      }
      HostPort address;
      try {
        // No default port: an entry without one is as unusable to llama-server as to us; port 0 is refused too.
        address = RpcAddresses.normalize(HostPort.parse(entry, 0));
      } catch (IllegalArgumentException e) {
        log.debug("event=rpc_entry_skipped pid={} entry=\"{}\" reason=\"{}\"", pid, entry, e.getMessage());
        return Optional.empty();
      }
      if (RpcAddresses.isPlaceholder(address)) {
        log.debug("event=rpc_entry_skipped pid={} entry=\"{}\" reason=placeholder", pid, entry);
        return Optional.empty();
      }
      return Optional.of(address);
    }

    Optional<HostPort> api() {
      String h = host.trim();
      if (h.endsWith(".sock")) {
        log.debug("event=coordinator_api_unknown pid={} reason=unix_socket host=\"{}\"", pid, h);
        return Optional.empty();
      }
      if (h.startsWith("[") && h.endsWith("]")) {
        h = h.substring(1, h.length() - 1);
      }
      // A wildcard bind answers on loopback too, and loopback is the one address sure to reach it from here.
      h = switch (h) {
        case "0.0.0.0" -> "127.0.0.1";
        case "::" -> "::1";
        default -> h.toLowerCase(Locale.ROOT);
      };
      int p;
      try {
        p = Integer.parseInt(port.trim());
      } catch (NumberFormatException e) {
        p = -1;
      }
      if (p < 1 || p > 65535 || h.isEmpty()) {
        // Port 0 makes llama-server bind a random port: it runs, but not where its command line says.
        log.debug("event=coordinator_api_unknown pid={} host=\"{}\" port=\"{}\"", pid, host, port);
        return Optional.empty();
      }
      return Optional.of(new HostPort(h, p));
    }
  }
}
