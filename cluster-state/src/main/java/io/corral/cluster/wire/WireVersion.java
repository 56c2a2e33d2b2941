package io.corral.cluster.wire;

/**
 * The versions of corral's member-to-member format. A version only ever adds: fields at the end of a framed value
 * ({@link WireFrame}), optional Compact fields, new operations. A member speaks every version up to its build's
 * {@link #CURRENT}; the cluster uses what every member speaks ({@link VersionGate}).
 *
 * <p>To add a field: give it the next version here, write it only when {@code out.speaks(V)}, read it only when
 * {@code in.has(V)} (else its default), and raise {@link #CURRENT}. Never reuse or reorder.
 */
public final class WireVersion {

  /** The first versioned format: every identified value and operation framed with its version and length. */
  public static final int V1 = 1;
  /** Leases carry the cluster time they were granted; the ledger's snapshot reports each backend's oldest lease. */
  public static final int V2_LEASE_AGE = 2;

  /** The newest version this build speaks. */
  public static final int CURRENT = V2_LEASE_AGE;

  /** Member attribute with the newest version a member speaks (absent: {@link #V1}). */
  public static final String MEMBER_ATTRIBUTE = "corral.wire";

  private WireVersion() {}

  /**
   * Checks a version a member was configured to speak.
   *
   * @throws IllegalArgumentException when it is not one this build knows
   */
  public static int checked(int version) {
    if (version < V1 || version > CURRENT) {
      throw new IllegalArgumentException("wire version must be " + V1 + "-" + CURRENT + " (this build's), got "
          + version);
    }
    return version;
  }
}
