package io.corral.discovery.scan;

import inet.ipaddr.ipv4.IPv4Address;
import io.corral.cluster.HostPort;
import java.util.List;
import java.util.Set;

/**
 * Hands out the host:port pairs of a scan one at a time, hosts in range order and ports in the order given,
 * without building the whole list (a /16 on three ports is ~200k pairs). A host that an earlier range already
 * covered is not scanned again; pairs in {@code skip} are counted and never handed out.
 *
 * <p>Not thread-safe: one scan uses it from its own Vert.x context.
 */
final class ScanTargets {

  private final List<ScanRange> ranges;
  private final List<ScanPort> ports;
  private final Set<HostPort> skip;
  private int rangeIndex;
  private long hostIndex = -1;
  private String host;
  private int portIndex;
  private int hosts;
  private long skipped;
  private long handedOut;

  ScanTargets(List<ScanRange> ranges, List<ScanPort> ports, Set<HostPort> skip) {
    this.ranges = List.copyOf(ranges);
    this.ports = List.copyOf(ports);
    this.skip = Set.copyOf(skip);
  }

  /** An upper bound on the pairs still to come (overlaps and skips make the real number smaller). */
  long atMost() {
    long all = 0;
    for (ScanRange range : ranges) {
      all += range.hostCount();
    }
    return all * ports.size();
  }

  /** The next pair to try, or null when there is none left. */
  ScanTarget next() {
    if (ports.isEmpty()) {
      return null;
    }
    while (true) {
      if ((host == null || portIndex == ports.size()) && !nextHost()) {
        return null;
      }
      ScanPort port = ports.get(portIndex++);
      if (skip.contains(new HostPort(host, port.port()))) {
        skipped++;
        continue;
      }
      return new ScanTarget(handedOut++, host, port);
    }
  }

  /** Distinct hosts reached so far. */
  int hosts() {
    return hosts;
  }

  /** Pairs left out so far because the caller asked. */
  long skipped() {
    return skipped;
  }

  private boolean nextHost() {
    while (rangeIndex < ranges.size()) {
      ScanRange range = ranges.get(rangeIndex);
      hostIndex++;
      if (hostIndex >= range.hostCount()) {
        rangeIndex++;
        hostIndex = -1;
        continue;
      }
      IPv4Address address = range.hostAddress(hostIndex);
      if (!coveredByEarlierRange(address)) {
        host = address.toCanonicalString();
        portIndex = 0;
        hosts++;
        return true;
      }
    }
    host = null;
    return false;
  }

  private boolean coveredByEarlierRange(IPv4Address address) {
    for (int i = 0; i < rangeIndex; i++) {
      if (ranges.get(i).scans(address)) {
        return true;
      }
    }
    return false;
  }
}
