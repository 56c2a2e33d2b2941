package io.corral.discovery.scan;

import io.corral.cluster.backends.BackendId;

/**
 * One host:port pair to try.
 *
 * @param order   its place in scan order (host, then port), so results can be listed in that order
 * @param address the host, dotted quad
 * @param port    the port and what is expected there
 */
record ScanTarget(long order, String address, ScanPort port) {

  BackendId backendId() {
    return BackendId.of("http://" + address + ":" + port.port());
  }

  @Override
  public String toString() {
    return address + ":" + port.port();
  }
}
