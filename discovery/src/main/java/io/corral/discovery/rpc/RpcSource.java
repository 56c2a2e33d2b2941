package io.corral.discovery.rpc;

/**
 * Where an rpc-server sighting came from. Declared most trusted first: the declaration order IS the merge
 * priority of {@link RpcServerDirectory} (running coordinator > backends file > scan > cached state, as the RPC
 * discovery seed documents), so do not reorder the constants.
 */
public enum RpcSource {
  /** A running llama-server on a member's host names it in {@code --rpc}: confirmed, and in use. */
  RUNNING_COORDINATOR("running_coordinator"),
  /** The operator's backends file lists it: a manual override, which may name a server that is down now. */
  BACKENDS_FILE("backends_file"),
  /** The network scan found its port open (a bare connect: presumed, never spoken to). */
  SCAN("scan"),
  /** Only the last cached result remembers it: a fallback, the least trusted. */
  CACHED_STATE("cached_state");

  private final String wireName;

  RpcSource(String wireName) {
    this.wireName = wireName;
  }

  /** The name used in JSON and logs. */
  public String wireName() {
    return wireName;
  }

  /** Whether this source is trusted more than {@code other}. */
  public boolean outranks(RpcSource other) {
    return ordinal() < other.ordinal();
  }
}
