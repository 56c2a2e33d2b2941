package io.corral.cluster.ledger;

import java.util.Locale;

/**
 * How the ledger picks among the candidate backends that have a free slot. Picking happens inside the ledger's
 * entry processor, atomically with the grant, so strategies are pure functions of the ledger state and the
 * request (a {@link #RANDOM} pick uses a number the caller drew, never a random source inside the processor).
 */
public enum Strategy {
  /** Fewest leases relative to slots; ties rotate. The default. */
  LEAST_LOADED("least_loaded"),
  /** The next free candidate after the previous pick, in backend order. */
  ROUND_ROBIN("round_robin"),
  /** A uniformly chosen free candidate. */
  RANDOM("random");

  private final String wireName;

  Strategy(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** A strategy as another member wrote it ({@link #wireName()}); one this build does not know reads as the default. */
  public static Strategy fromWire(String wireName) {
    for (Strategy s : values()) {
      if (s.wireName.equals(wireName)) {
        return s;
      }
    }
    return LEAST_LOADED;
  }

  /**
   * Parses {@code least_loaded}, {@code round_robin}, {@code random} (case-insensitive, '-' allowed for '_').
   *
   * @throws IllegalArgumentException naming the allowed values
   */
  public static Strategy parse(String text) {
    String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    for (Strategy s : values()) {
      if (s.wireName.equals(t)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown strategy '" + text + "' (allowed: least_loaded, round_robin, random)");
  }
}
