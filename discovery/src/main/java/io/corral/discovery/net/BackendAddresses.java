package io.corral.discovery.net;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import io.corral.cluster.backends.BackendId;
import io.corral.cluster.backends.BackendOrigin;
import io.corral.cluster.trust.AddressRanges;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where corral may connect to reach a backend: the backend's host resolved (off the event loop, through the
 * system's resolver, cached briefly) to the address every connect then uses as is, so what was checked is what is
 * dialled (a name cannot resolve elsewhere between the check and the connect). Backends that arrive at runtime
 * (the admin API, a scan) must resolve into the operator's allowed ranges ({@code --backend-allow}); the operator's
 * own lists (flags, config file, backends file) are taken as given.
 *
 * <p>Thread-safe; never blocks the calling thread.
 */
public final class BackendAddresses {

  /** How long a resolved name is reused. IP literals are parsed, never looked up. */
  static final Duration NAME_TTL = Duration.ofSeconds(5);
  /** Far above any fleet's hosts; past it the cache starts over. */
  static final int MAX_CACHED = 4096;

  private final Vertx vertx;
  private final AddressRanges allowed;
  private final boolean restricted;
  private final Map<String, Resolved> cache = new ConcurrentHashMap<>();

  private record Resolved(InetAddress address, long expiresNanos) {}

  /** @param allowed where runtime backends may be; nothing is allowed when empty */
  public BackendAddresses(Vertx vertx, AddressRanges allowed) {
    this(vertx, allowed, true);
  }

  private BackendAddresses(Vertx vertx, AddressRanges allowed, boolean restricted) {
    this.vertx = vertx;
    this.allowed = allowed;
    this.restricted = restricted;
  }

  /** No range check at all: the operator's own tools (the CLI probing what it was told to). */
  public static BackendAddresses unrestricted(Vertx vertx) {
    return new BackendAddresses(vertx, AddressRanges.none(), false);
  }

  /** The allowed ranges, for messages and the API. */
  public AddressRanges allowed() {
    return allowed;
  }

  /**
   * The address to connect to for {@code id}, checked against the allowed ranges when {@code origin} asks for it.
   * Fails with {@link BackendNotAllowed} outside them, or with the resolver's error.
   */
  public Future<SocketAddress> resolve(BackendId id, BackendOrigin origin) {
    Resolved known = cache.get(id.host());
    Future<InetAddress> address = known != null && System.nanoTime() < known.expiresNanos()
        ? Future.succeededFuture(known.address()) : lookUp(id.host());
    return address.compose(a -> {
      if (restricted && origin.checkedOnConnect() && !allowed.contains(a)) {
        return Future.failedFuture(new BackendNotAllowed("backend " + id.value() + " resolves to "
            + a.getHostAddress() + ", outside the allowed ranges (--backend-allow " + allowed + ")"));
      }
      return Future.succeededFuture(SocketAddress.inetSocketAddress(new InetSocketAddress(a, id.port())));
    });
  }

  private Future<InetAddress> lookUp(String host) {
    if (cache.size() > MAX_CACHED) {
      cache.clear();
    }
    InetAddress literal = literal(host);
    if (literal != null) {
      cache.put(host, new Resolved(literal, Long.MAX_VALUE));
      return Future.succeededFuture(literal);
    }
    return vertx.executeBlocking(() -> {
      InetAddress a = InetAddress.getByName(host);
      cache.put(host, new Resolved(a, System.nanoTime() + NAME_TTL.toNanos()));
      return a;
    }, false);
  }

  /** An IP literal as an address, without any lookup; null for a name. */
  static InetAddress literal(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    IPAddress ip = new IPAddressString(h).getAddress();
    if (ip == null) {
      return null;
    }
    try {
      return InetAddress.getByAddress(ip.getBytes());
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** A backend outside the ranges corral may connect to. */
  public static final class BackendNotAllowed extends RuntimeException {
    public BackendNotAllowed(String message) {
      super(message, null, false, false);
    }
  }
}
