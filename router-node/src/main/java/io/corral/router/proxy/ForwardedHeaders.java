package io.corral.router.proxy;

import io.vertx.core.MultiMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Which headers cross the proxy. Hop-by-hop headers (RFC 9110 §7.6.1) never do; corral's own request headers
 * ({@code X-Corral-*}, {@code X-Priority}) are for corral and are stripped before the backend sees the request. The
 * clients' credentials ({@code Authorization}, {@code Cookie}) go only to a backend configured to check them (they
 * may be an app's API key, or corral's admin token on a model-management call). A backend's CORS headers never
 * reach the client: corral alone answers CORS, and a second {@code Access-Control-Allow-Origin} makes browsers
 * refuse the answer.
 */
final class ForwardedHeaders {

  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate",
      "proxy-authorization", "proxy-connection", "te", "trailer", "trailers", "transfer-encoding", "upgrade");

  private ForwardedHeaders() {}

  /**
   * Copies request headers for the backend (without Host and Content-Length, which the client sets).
   *
   * @param credentials whether the client's {@code Authorization} and {@code Cookie} go along
   */
  static void copyRequestHeaders(MultiMap from, MultiMap to, boolean credentials) {
    Set<String> connectionListed = connectionListed(from);
    from.forEach((name, value) -> {
      String n = name.toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(n) || connectionListed.contains(n) || n.equals("host") || n.equals("content-length")
          || n.startsWith("x-corral-") || n.equals("x-priority") || n.equals("x-request-id")
          || (!credentials && (n.equals("authorization") || n.equals("cookie")))) {
        return;
      }
      to.add(name, value);
    });
  }

  /** Copies response headers for the client. */
  static void copyResponseHeaders(MultiMap from, MultiMap to) {
    Set<String> connectionListed = connectionListed(from);
    from.forEach((name, value) -> {
      String n = name.toLowerCase(Locale.ROOT);
      if (HOP_BY_HOP.contains(n) || connectionListed.contains(n) || n.startsWith("x-corral-")
          || n.startsWith("access-control-")) {
        return;
      }
      to.add(name, value);
    });
  }

  private static Set<String> connectionListed(MultiMap headers) {
    Set<String> out = new HashSet<>();
    for (String v : headers.getAll("connection")) {
      for (String token : v.split(",")) {
        out.add(token.trim().toLowerCase(Locale.ROOT));
      }
    }
    return out;
  }
}
