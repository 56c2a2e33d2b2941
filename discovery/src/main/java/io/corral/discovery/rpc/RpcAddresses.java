package io.corral.discovery.rpc;

import io.corral.cluster.HostPort;
import java.util.Comparator;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What every rpc source agrees on about an rpc-server address: which ones are placeholders, how two spellings of
 * one address are made equal, and the order addresses are listed in.
 */
final class RpcAddresses {

  /**
   * The host SOLLOL showed as a dummy backend ({@code coordinator:0}); users read it as broken auto-detection,
   * so it is dropped whatever port comes with it.
   */
  static final String PLACEHOLDER_HOST = "coordinator";

  private static final Pattern DOTTED_QUAD = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  /**
   * Dotted quads in numeric order first (so 127.0.0.9 comes before 127.0.0.10), then names and IPv6 in text
   * order, then the port.
   */
  static final Comparator<HostPort> ORDER = Comparator
      .comparing((HostPort a) -> !isDottedQuad(a.host()))
      .thenComparingLong(a -> isDottedQuad(a.host()) ? ipv4Value(a.host()) : 0)
      .thenComparing(HostPort::host)
      .thenComparingInt(HostPort::port);

  private RpcAddresses() {}

  /** Whether this is a dummy entry that must never be listed. Port 0 and blank hosts cannot even be built. */
  static boolean isPlaceholder(HostPort address) {
    return address.host().equalsIgnoreCase(PLACEHOLDER_HOST);
  }

  /** Host names are case-insensitive; one spelling per address keeps one entry per rpc-server. */
  static HostPort normalize(HostPort address) {
    String host = address.host().toLowerCase(Locale.ROOT);
    return host.equals(address.host()) ? address : new HostPort(host, address.port());
  }

  /** Whether the host means "this machine" wherever it is written: loopback or a wildcard bind. */
  static boolean meansThisHost(String host) {
    return host.equals("localhost") || host.equals("::1") || host.equals("0.0.0.0") || host.equals("::")
        || (isDottedQuad(host) && host.startsWith("127."));
  }

  static boolean isDottedQuad(String host) {
    return DOTTED_QUAD.matcher(host).matches();
  }

  private static long ipv4Value(String dottedQuad) {
    long value = 0;
    for (String octet : dottedQuad.split("\\.")) {
      value = value * 256 + Integer.parseInt(octet);
    }
    return value;
  }
}
