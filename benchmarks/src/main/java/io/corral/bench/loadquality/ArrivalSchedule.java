package io.corral.bench.loadquality;

import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A Poisson arrival sequence: exponential gaps at a given rate from a fixed seed, so every balancer set-up (and
 * every repetition) at one load sees exactly the same arrivals. Offsets are from the start of the run, in
 * nanoseconds, increasing; the first {@link #measuredFrom()} nanoseconds are warm-up.
 *
 * <p>Immutable; the offsets are copied out on request.
 */
final class ArrivalSchedule {

  private final double ratePerSecond;
  private final long[] offsets;
  private final long measuredFrom;
  private final long measuredTo;

  private ArrivalSchedule(double ratePerSecond, long[] offsets, long measuredFrom, long measuredTo) {
    this.ratePerSecond = ratePerSecond;
    this.offsets = offsets;
    this.measuredFrom = measuredFrom;
    this.measuredTo = measuredTo;
  }

  /** Arrivals at {@code ratePerSecond} for {@code warmup + measure}; the same seed gives the same sequence. */
  static ArrivalSchedule poisson(double ratePerSecond, Duration warmup, Duration measure, long seed) {
    if (ratePerSecond <= 0) {
      throw new IllegalArgumentException("rate must be positive, was " + ratePerSecond);
    }
    SplittableRandom random = new SplittableRandom(seed);
    long end = warmup.plus(measure).toNanos();
    long[] out = new long[Math.max(16, (int) (ratePerSecond * end / 1e9 * 1.2) + 16)];
    int n = 0;
    double t = 0;
    while (true) {
      // inverse CDF of the exponential distribution; 1 - u is in (0, 1], so the log is finite
      t += -Math.log(1.0 - random.nextDouble()) / ratePerSecond * 1e9;
      if (t >= end) {
        break;
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, n * 2);
      }
      out[n++] = (long) t;
    }
    return new ArrivalSchedule(ratePerSecond, Arrays.copyOf(out, n), warmup.toNanos(), end);
  }

  double ratePerSecond() {
    return ratePerSecond;
  }

  int size() {
    return offsets.length;
  }

  /** When arrival {@code i} is due, in nanoseconds after the start of the run. */
  long offset(int i) {
    return offsets[i];
  }

  /** Arrivals due at or after this offset are measured; earlier ones are warm-up. */
  long measuredFrom() {
    return measuredFrom;
  }

  /** The end of the schedule (no arrival is due at or after it). */
  long measuredTo() {
    return measuredTo;
  }

  boolean measured(int i) {
    return offsets[i] >= measuredFrom;
  }

  /** How many arrivals fall in the measured part. */
  int measuredCount() {
    int n = 0;
    for (long o : offsets) {
      if (o >= measuredFrom) {
        n++;
      }
    }
    return n;
  }
}
