package io.corral.discovery.rpc;

import io.corral.cluster.HostPort;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One rpc-server as all sources together see it.
 *
 * @param address where it is
 * @param source  the most trusted source that names it (see {@link RpcSource} for the order)
 * @param seenBy  every source that names it, in priority order
 * @param usedBy  the running coordinators that name it in {@code --rpc}, by pid
 */
public record RpcServerEntry(HostPort address, RpcSource source, Set<RpcSource> seenBy,
    List<CoordinatorRef> usedBy) {

  public RpcServerEntry {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(source, "source");
    if (seenBy.isEmpty() || !seenBy.contains(source) || seenBy.stream().anyMatch(s -> s.outranks(source))) {
      throw new IllegalArgumentException("source " + source + " must be the best of " + seenBy);
    }
    if (usedBy.isEmpty() == seenBy.contains(RpcSource.RUNNING_COORDINATOR)) {
      throw new IllegalArgumentException("coordinators using " + address + " and source "
          + RpcSource.RUNNING_COORDINATOR.wireName() + " go together");
    }
    seenBy = Collections.unmodifiableSet(EnumSet.copyOf(seenBy)); // EnumSet iterates in priority order
    usedBy = List.copyOf(usedBy);
  }

  /**
   * Whether a running coordinator uses it. Such an rpc-server serves that coordinator alone and may die if a
   * second client connects and gives up, so nothing in corral may probe or connect to it.
   */
  public boolean inUse() {
    return !usedBy.isEmpty();
  }
}
