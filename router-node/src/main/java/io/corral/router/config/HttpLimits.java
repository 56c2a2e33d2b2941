package io.corral.router.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a member's HTTP ports allow any one client, so that no caller can take a member down.
 *
 * @param headerTimeout    a new connection must send a complete request head within this (slow-header attacks)
 * @param keepAliveTimeout a connection with no request running is closed after this
 * @param maxConnections   open client connections per member (API port, extra listeners and dashboard port
 *                         together); past it new connections are closed at once
 * @param bodyMemory       bytes of request bodies a member holds at once (read, queued or being proxied); past it
 *                         a request with a body gets 503 and {@code Retry-After} before its body is read
 * @param tlsCert          PEM certificate chain for HTTPS on the API and dashboard ports; null: plain HTTP
 * @param tlsKey           PEM private key of {@code tlsCert}
 */
public record HttpLimits(Duration headerTimeout, Duration keepAliveTimeout, int maxConnections, long bodyMemory,
    Path tlsCert, Path tlsKey) {

  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(15);
  public static final Duration DEFAULT_KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(60);
  public static final int DEFAULT_MAX_CONNECTIONS = 4096;
  /** {@code bodyMemory} 0 means this share of the heap. */
  public static final int AUTO_BODY_MEMORY_HEAP_DIVISOR = 8;

  public HttpLimits {
    if (headerTimeout == null || headerTimeout.isNegative() || headerTimeout.isZero()) {
      throw new ConfigException("headerTimeout must be positive");
    }
    if (keepAliveTimeout == null || keepAliveTimeout.isNegative() || keepAliveTimeout.isZero()) {
      throw new ConfigException("keepAliveTimeout must be positive");
    }
    if (maxConnections < 1) {
      throw new ConfigException("maxConnections must be at least 1, got " + maxConnections);
    }
    if (bodyMemory < 0) {
      throw new ConfigException("bodyMemory must be 0 (an eighth of the heap) or a size");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new ConfigException("--tls-cert and --tls-key go together: give both or neither");
    }
  }

  public static HttpLimits defaults() {
    return new HttpLimits(DEFAULT_HEADER_TIMEOUT, DEFAULT_KEEP_ALIVE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, 0, null, null);
  }

  public boolean tls() {
    return tlsCert != null;
  }

  /** The body memory in bytes, resolving 0 against this JVM's heap. */
  public long bodyMemoryBytes() {
    return bodyMemory > 0 ? bodyMemory : Runtime.getRuntime().maxMemory() / AUTO_BODY_MEMORY_HEAP_DIVISOR;
  }
}
