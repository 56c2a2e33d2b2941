package io.corral.cluster.backends;

import java.util.Locale;

/** A backend's health as the whole cluster sees it. Only {@link #UP} backends take new requests. */
public enum BackendHealth {
  /** Not probed yet. */
  UNKNOWN,
  UP,
  DOWN,
  /** Finishes what it has, takes nothing new. */
  DRAINING,
  CIRCUIT_OPEN;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
