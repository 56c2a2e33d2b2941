package io.corral.discovery.rpc;

import io.corral.cluster.HostPort;
import io.corral.discovery.scan.EndpointStatus;
import io.corral.discovery.scan.FoundEndpoint;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One source saying that an rpc-server is at an address; {@link RpcServerDirectory#merge} turns many into one
 * entry per address.
 *
 * @param address     where the rpc-server is
 * @param source      who says so
 * @param coordinator the coordinator using it: present exactly when {@code source} is
 *                    {@link RpcSource#RUNNING_COORDINATOR}
 */
public record RpcSighting(HostPort address, RpcSource source, Optional<CoordinatorRef> coordinator) {

  public RpcSighting {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(coordinator, "coordinator");
    if (coordinator.isPresent() != (source == RpcSource.RUNNING_COORDINATOR)) {
      throw new IllegalArgumentException(
          "a coordinator comes with source running_coordinator and only with it, got " + source);
    }
  }

  /** One sighting per rpc-server each coordinator names. */
  public static List<RpcSighting> usedBy(Collection<Coordinator> coordinators) {
    List<RpcSighting> sightings = new ArrayList<>();
    for (Coordinator c : coordinators) {
      for (HostPort server : c.rpcServers()) {
        sightings.add(new RpcSighting(server, RpcSource.RUNNING_COORDINATOR, Optional.of(CoordinatorRef.of(c))));
      }
    }
    return List.copyOf(sightings);
  }

  /** Sightings of {@code addresses} by a source that names no coordinator (backends file, scan, cache). */
  public static List<RpcSighting> of(RpcSource source, Collection<HostPort> addresses) {
    if (source == RpcSource.RUNNING_COORDINATOR) {
      throw new IllegalArgumentException("sightings by a running coordinator come from usedBy(coordinators)");
    }
    return addresses.stream().map(a -> new RpcSighting(a, source, Optional.empty())).toList();
  }

  /**
   * The presumed rpc-servers of a scan. Other endpoints (HTTP backends, corral members, unknown ports) are not
   * rpc-servers and are left out.
   */
  public static List<RpcSighting> scanned(Collection<FoundEndpoint> found) {
    return of(RpcSource.SCAN, found.stream()
        .filter(e -> e.status() == EndpointStatus.PRESUMED_RPC_SERVER)
        .map(e -> new HostPort(e.address(), e.port()))
        .toList());
  }
}
