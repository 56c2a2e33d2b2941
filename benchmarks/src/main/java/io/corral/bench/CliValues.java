package io.corral.bench;

import java.time.Duration;
import java.util.Locale;

/** Option values the benchmark generators share. */
public final class CliValues {

  private CliValues() {}

  /** Splits {@code NAME=VALUE}; both sides must be non-empty. */
  public static String[] pair(String flag, String value) {
    int eq = value.indexOf('=');
    if (eq < 1 || eq == value.length() - 1) {
      throw new IllegalArgumentException(flag + " expects NAME=VALUE, got " + value);
    }
    return new String[] {value.substring(0, eq), value.substring(eq + 1)};
  }

  /** {@code 500ms}, {@code 5s}, {@code 2m} or a bare number of seconds. */
  public static Duration duration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.endsWith("ms")) {
      return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
    }
    if (t.endsWith("s")) {
      return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
    }
    if (t.endsWith("m")) {
      return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)) * 60);
    }
    return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
  }
}
