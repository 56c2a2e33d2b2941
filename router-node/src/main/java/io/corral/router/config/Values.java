package io.corral.router.config;

import io.corral.cluster.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for config values written as text (flags, env) or typed (YAML/JSON). */
final class Values {

  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?");

  private Values() {}

  static String string(Object v) {
    return String.valueOf(v).trim();
  }

  static int integer(Object v) {
    if (v instanceof Number n) {
      return n.intValue();
    }
    try {
      return Integer.parseInt(string(v));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + v + "' is not a whole number");
    }
  }

  static int port(Object v) {
    int p = integer(v);
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException(p + " is not a port (0-65535)");
    }
    return p;
  }

  /** A share from 0 to 1: {@code 0.1} or {@code 10%}. */
  static double fraction(Object v) {
    double d;
    String text = string(v);
    try {
      d = v instanceof Number n ? n.doubleValue()
          : text.endsWith("%") ? Double.parseDouble(text.substring(0, text.length() - 1).trim()) / 100
          : Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + v + "' is not a share (e.g. 0.1 or 10%)");
    }
    if (!(d >= 0 && d <= 1)) {
      throw new IllegalArgumentException("'" + v + "' is not a share between 0 and 1");
    }
    return d;
  }

  static boolean bool(Object v) {
    if (v instanceof Boolean b) {
      return b;
    }
    return switch (string(v).toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new IllegalArgumentException("'" + v + "' is not true/false");
    };
  }

  /** {@code 500ms}, {@code 3s}, {@code 2m}, {@code 1h}; a bare number is milliseconds. */
  static Duration duration(Object v) {
    if (v instanceof Number n) {
      return Duration.ofMillis(n.longValue());
    }
    return Durations.parse(string(v));
  }

  /** {@code 32MiB}, {@code 512k}, {@code 1048576}; binary units. */
  static long bytes(Object v) {
    if (v instanceof Number n) {
      return n.longValue();
    }
    Matcher m = SIZE.matcher(string(v).toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + v + "' is not a size (e.g. 32MiB, 512KiB, 1048576)");
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    return switch (unit.charAt(0)) {
      case 'k' -> amount << 10;
      case 'm' -> amount << 20;
      case 'g' -> amount << 30;
      default -> amount;
    };
  }

  /** A list given as a YAML/JSON list, or as comma-separated text. */
  static List<Object> list(Object v) {
    List<Object> out = new ArrayList<>();
    if (v instanceof List<?> l) {
      out.addAll(l);
    } else {
      for (String part : string(v).split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
    }
    return out;
  }
}
