package io.corral.discovery.scan;

import java.time.Duration;
import java.util.Objects;

/**
 * How hard a {@link NetworkScanner} pushes.
 *
 * @param concurrency    endpoints worked on at once (connect, then fingerprint), 1-4096
 * @param connectTimeout how long a bare TCP connect may take before the port counts as closed; on a LAN an
 *                       absent host never answers, so this bounds the scan: {@code hosts * ports / concurrency}
 *                       times it at worst
 * @param probeTimeout   how long fingerprinting one open HTTP port may take in all before it is recorded as
 *                       unknown (an endpoint that accepts and never answers)
 */
public record ScannerOptions(int concurrency, Duration connectTimeout, Duration probeTimeout) {

  public static final ScannerOptions DEFAULTS =
      new ScannerOptions(64, Duration.ofMillis(300), Duration.ofSeconds(2));

  public ScannerOptions {
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(probeTimeout, "probeTimeout");
    if (concurrency < 1 || concurrency > 4096) {
      throw new IllegalArgumentException("scan concurrency must be 1-4096, got " + concurrency);
    }
    if (connectTimeout.toMillis() < 1 || connectTimeout.compareTo(Duration.ofMinutes(1)) > 0) {
      throw new IllegalArgumentException("scan connect timeout must be 1 ms to 1 min, got " + connectTimeout);
    }
    if (probeTimeout.toMillis() < 1 || probeTimeout.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException("scan probe timeout must be 1 ms to 5 min, got " + probeTimeout);
    }
  }

  public ScannerOptions withConcurrency(int n) {
    return new ScannerOptions(n, connectTimeout, probeTimeout);
  }

  public ScannerOptions withConnectTimeout(Duration d) {
    return new ScannerOptions(concurrency, d, probeTimeout);
  }

  public ScannerOptions withProbeTimeout(Duration d) {
    return new ScannerOptions(concurrency, connectTimeout, d);
  }
}
