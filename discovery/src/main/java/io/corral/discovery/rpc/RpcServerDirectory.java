package io.corral.discovery.rpc;

import io.corral.cluster.HostPort;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The rpc-servers known from every source, merged: one entry per host:port with its most trusted source (running
 * coordinator > backends file > scan > cached state, the order of {@link RpcSource}), the coordinators using it,
 * and whether it is in use. Placeholder addresses ({@code coordinator:*}) are dropped whatever their source.
 *
 * <p>Pure value logic: no I/O, no clock, no logging; the same sightings in any order give an equal directory.
 * Entries are ordered by address (dotted quads numerically, then names, then port). Immutable and thread-safe.
 */
public final class RpcServerDirectory {

  private static final Comparator<CoordinatorRef> COORDINATOR_ORDER = Comparator
      .comparingLong(CoordinatorRef::pid)
      .thenComparing(c -> c.api().map(HostPort::toString).orElse(""));

  private final List<RpcServerEntry> entries;

  private RpcServerDirectory(List<RpcServerEntry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** Merges sightings from any mix of sources. */
  public static RpcServerDirectory merge(Collection<RpcSighting> sightings) {
    TreeMap<HostPort, Set<RpcSource>> sources = new TreeMap<>(RpcAddresses.ORDER);
    TreeMap<HostPort, Set<CoordinatorRef>> users = new TreeMap<>(RpcAddresses.ORDER);
    for (RpcSighting s : sightings) {
      HostPort address = RpcAddresses.normalize(s.address());
      if (RpcAddresses.isPlaceholder(address)) {
        continue;
      }
      sources.computeIfAbsent(address, a -> EnumSet.noneOf(RpcSource.class)).add(s.source());
      Set<CoordinatorRef> using = users.computeIfAbsent(address, a -> new TreeSet<>(COORDINATOR_ORDER));
      s.coordinator().ifPresent(using::add);
    }
    List<RpcServerEntry> entries = new ArrayList<>();
    sources.forEach((address, seenBy) -> entries.add(new RpcServerEntry(address, seenBy.iterator().next(), seenBy,
        List.copyOf(users.get(address)))));
    return new RpcServerDirectory(entries);
  }

  /** Every known rpc-server, ordered by address. */
  public List<RpcServerEntry> entries() {
    return entries;
  }

  /** The entry for {@code address} (any spelling of its host's case), if any source names it. */
  public Optional<RpcServerEntry> entry(HostPort address) {
    HostPort wanted = RpcAddresses.normalize(address);
    return entries.stream().filter(e -> e.address().equals(wanted)).findFirst();
  }

  /**
   * The addresses nothing in corral may connect to: every rpc-server a running coordinator uses, as written, and
   * for {@code localhost} also as 127.0.0.1 (the scanner writes hosts as dotted quads, and no name lookup is done
   * here). For the scanner's skip set, use {@link #doNotTouch(Collection)} with the coordinators' host addresses.
   */
  public Set<HostPort> doNotTouch() {
    return doNotTouch(List.of());
  }

  /**
   * {@link #doNotTouch()}, and, for each in-use rpc-server written as this host (loopback, {@code localhost} or a
   * wildcard), the same port on each of {@code thisHostAddresses}. An rpc-server bound to all interfaces and used
   * by a coordinator as {@code 127.0.0.1:50052} is just as reachable at the host's LAN address, which is what a
   * scan from another member would connect to. Pass the addresses of the host where the coordinators were
   * detected (this member's interface addresses, as dotted quads for the scanner).
   *
   * @throws IllegalArgumentException if one of {@code thisHostAddresses} is blank
   */
  public Set<HostPort> doNotTouch(Collection<String> thisHostAddresses) {
    Set<HostPort> skip = new LinkedHashSet<>();
    for (RpcServerEntry e : entries) {
      if (!e.inUse()) {
        continue;
      }
      HostPort address = e.address();
      skip.add(address);
      if (address.host().equals("localhost")) {
        skip.add(new HostPort("127.0.0.1", address.port()));
      }
      if (RpcAddresses.meansThisHost(address.host())) {
        for (String host : thisHostAddresses) {
          skip.add(RpcAddresses.normalize(new HostPort(host, address.port())));
        }
      }
    }
    return Collections.unmodifiableSet(skip);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RpcServerDirectory other && entries.equals(other.entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    return "RpcServerDirectory" + entries;
  }
}
