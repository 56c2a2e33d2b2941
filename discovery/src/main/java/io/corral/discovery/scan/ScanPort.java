package io.corral.discovery.scan;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A TCP port to try on every scanned host, with what is expected there.
 *
 * @param port 1-65535
 * @param kind how to approach it (see {@link PortKind})
 */
public record ScanPort(int port, PortKind kind) {

  /** The ports scanned when none are given: Ollama 11434, llama-server 8080, rpc-server 50052. */
  public static final List<ScanPort> DEFAULTS = List.of(
      new ScanPort(11434, PortKind.OLLAMA),
      new ScanPort(8080, PortKind.LLAMA_SERVER),
      new ScanPort(50052, PortKind.RPC_SERVER));

  public ScanPort {
    Objects.requireNonNull(kind, "kind");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("scan port must be 1-65535, got " + port);
    }
  }

  /**
   * Parses {@code PORT:KIND} ({@code 8080:llama}) or a bare {@code PORT}, which takes the default kind of the
   * well-known ports and {@code auto} otherwise (see {@link PortKind#defaultFor}).
   *
   * @throws IllegalArgumentException naming the entry and what is wrong with it
   */
  public static ScanPort parse(String entry) {
    if (entry == null || entry.isBlank()) {
      throw new IllegalArgumentException("empty scan port (expected PORT or PORT:KIND, e.g. 8080:llama)");
    }
    String text = entry.trim();
    int colon = text.indexOf(':');
    String portText = colon < 0 ? text : text.substring(0, colon).trim();
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad scan port '" + text + "': '" + portText + "' is not a number");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("bad scan port '" + text + "': port must be 1-65535");
    }
    if (colon < 0) {
      return new ScanPort(port, PortKind.defaultFor(port));
    }
    try {
      return new ScanPort(port, PortKind.parse(text.substring(colon + 1)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad scan port '" + text + "': " + e.getMessage());
    }
  }

  /**
   * Parses a comma-separated list such as {@code 11434:ollama,8080:llama,50052:rpc}; blank entries are ignored,
   * a port listed twice is refused (its two kinds would contradict each other).
   */
  public static List<ScanPort> parseList(String text) {
    List<ScanPort> ports = new ArrayList<>();
    Set<Integer> seen = new HashSet<>();
    for (String entry : text == null ? new String[0] : text.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      ScanPort port = parse(entry);
      if (!seen.add(port.port())) {
        throw new IllegalArgumentException("scan port " + port.port() + " is listed twice in '" + text.trim() + "'");
      }
      ports.add(port);
    }
    if (ports.isEmpty()) {
      throw new IllegalArgumentException("no scan ports given (expected e.g. 11434:ollama,8080:llama,50052:rpc)");
    }
    return List.copyOf(ports);
  }

  @Override
  public String toString() {
    return port + ":" + kind.wireName();
  }
}
