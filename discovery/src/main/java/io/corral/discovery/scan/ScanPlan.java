package io.corral.discovery.scan;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the leader scans and how often. No ranges means no scan: only configured backends are ever touched.
 *
 * @param ranges   the CIDRs the user configured
 * @param ports    the ports to try on every host, each with the kind it should serve
 * @param interval time from the start of one scan to the start of the next
 * @param options  concurrency and timeouts of one scan
 */
public record ScanPlan(List<ScanRange> ranges, List<ScanPort> ports, Duration interval, ScannerOptions options) {

  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(10);

  public ScanPlan {
    ranges = List.copyOf(ranges);
    ports = List.copyOf(ports);
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(options, "options");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("scan interval must be positive, got " + interval);
    }
  }

  /** No scanning. */
  public static ScanPlan none() {
    return new ScanPlan(List.of(), ScanPort.DEFAULTS, DEFAULT_INTERVAL, ScannerOptions.DEFAULTS);
  }

  public boolean enabled() {
    return !ranges.isEmpty();
  }
}
