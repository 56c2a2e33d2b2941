package io.corral.cluster.backends;

/**
 * Where a backend came from. The operator's own lists ({@link #CONFIGURED}, {@link #FILE}) are trusted as given;
 * what arrives at runtime ({@link #ADMIN}, {@link #SCANNED}) must lie in the allowed ranges on every connect, and
 * an admin-added backend is the admin API's to remove.
 */
public enum BackendOrigin {
  /** {@code --backend}, {@code CORRAL_BACKENDS}, the config file. */
  CONFIGURED,
  /** A line of the {@code --backends-file}. */
  FILE,
  /** {@code POST /admin/backends}. */
  ADMIN,
  /** Found by the leader's network scan. */
  SCANNED,
  /** Written by a build that did not say: treated like a runtime backend (checked). */
  UNKNOWN;

  /** Whether every connect to such a backend is checked against the allowed ranges. */
  public boolean checkedOnConnect() {
    return this != CONFIGURED && this != FILE;
  }
}
