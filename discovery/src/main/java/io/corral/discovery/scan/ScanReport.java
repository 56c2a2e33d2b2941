package io.corral.discovery.scan;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one scan found.
 *
 * @param endpoints  every open port with what was concluded about it, in scan order (host, then port)
 * @param hosts      distinct hosts scanned
 * @param portsTried host:port pairs a connect was attempted on
 * @param open       pairs that accepted the connection (each has an entry in {@code endpoints})
 * @param closed     pairs that refused, timed out or failed to connect
 * @param skipped    pairs left alone because the caller asked (never connected to)
 * @param elapsed    how long the scan took
 */
public record ScanReport(List<FoundEndpoint> endpoints, int hosts, long portsTried, long open, long closed,
    long skipped, Duration elapsed) {

  public ScanReport {
    endpoints = List.copyOf(endpoints);
    Objects.requireNonNull(elapsed, "elapsed");
  }

  /** The endpoints with {@code status}, in scan order. */
  public List<FoundEndpoint> withStatus(EndpointStatus status) {
    return endpoints.stream().filter(e -> e.status() == status).toList();
  }

  /** The endpoints that answered like a known backend, in scan order. */
  public List<FoundEndpoint> backends() {
    return withStatus(EndpointStatus.BACKEND);
  }
}
