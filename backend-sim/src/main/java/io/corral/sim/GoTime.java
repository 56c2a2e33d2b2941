package io.corral.sim;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Timestamps formatted the way Go's {@code time.Time} marshals to JSON (RFC 3339, nanoseconds, zeros trimmed). */
final class GoTime {

  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

  private GoTime() {}

  /** For example {@code 2025-10-14T09:21:44.36184572Z}. */
  static String rfc3339Nano(Instant t) {
    StringBuilder s = new StringBuilder(SECONDS.format(t));
    int nanos = t.getNano();
    if (nanos != 0) {
      String fraction = String.format("%09d", nanos);
      int end = fraction.length();
      while (fraction.charAt(end - 1) == '0') {
        end--;
      }
      s.append('.').append(fraction, 0, end);
    }
    return s.append('Z').toString();
  }
}
