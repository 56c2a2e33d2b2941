package io.corral.discovery.rpc;

import io.corral.cluster.HostPort;
import java.util.Objects;
import java.util.Optional;

/**
 * Which coordinator uses an rpc-server: enough to name it in the API and the dashboard.
 *
 * @param pid its process id on the host where it was detected
 * @param api its own HTTP endpoint, when known (see {@link Coordinator#api()})
 */
public record CoordinatorRef(long pid, Optional<HostPort> api) {

  public CoordinatorRef {
    if (pid < 1) {
      throw new IllegalArgumentException("pid must be positive, got " + pid);
    }
    Objects.requireNonNull(api, "api");
  }

  public static CoordinatorRef of(Coordinator coordinator) {
    return new CoordinatorRef(coordinator.pid(), coordinator.api());
  }
}
