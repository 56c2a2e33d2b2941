package io.corral.cluster.ledger;

import io.corral.cluster.wire.WireIn;
import io.corral.cluster.wire.WireOut;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Which life of the pool's ledger entry this is, and whether it may grant yet. A ledger entry that had to be made
 * again (the map was cleared, the entry removed, its partition lost with every backup) knows none of the requests
 * that still run: granting from it at once would hand out their slots twice. So a ledger made by any operation but
 * the founding one is <em>rebuilding</em>: it grants nothing until every member it hears of has re-asserted its
 * running leases and re-queued its waiting requests, or until {@link #REBUILD_WAIT} after the time stamped by the
 * caller that made it, whichever comes first. Members notice the new incarnation (an entry listener, their
 * reconciliation) and re-assert at once, so the wait is usually a few milliseconds.
 *
 * <p>Deterministic like the rest of the ledger: time comes only from callers' stamps, and the sets iterate in order.
 * Not thread-safe (the partition thread owns it).
 */
final class LedgerIncarnation {

  /** Longest a rebuilding ledger waits for members that do not re-assert (a member that is gone, say). */
  static final Duration REBUILD_WAIT = Duration.ofSeconds(5);

  private String id;
  /** Until when (caller's clock, epoch millis) nothing is granted; 0 once it grants. */
  private long rebuildUntil;
  /** Members that re-asserted in this incarnation while it was rebuilding. */
  private final TreeSet<String> reasserted = new TreeSet<>();
  /** Members some re-asserting member saw in the cluster and that have not re-asserted yet. */
  private final TreeSet<String> awaited = new TreeSet<>();

  private LedgerIncarnation(String id, long rebuildUntil) {
    this.id = id;
    this.rebuildUntil = rebuildUntil;
  }

  /** A ledger founded on a fresh cluster: nothing can have been lost, it grants at once. */
  static LedgerIncarnation founded(String id) {
    return new LedgerIncarnation(id, 0);
  }

  /** A ledger made again after its entry was lost; it grants nothing until rebuilt ({@code nowMillis}: caller's). */
  static LedgerIncarnation rebuilding(String id, long nowMillis) {
    return new LedgerIncarnation(id, nowMillis + REBUILD_WAIT.toMillis());
  }

  String id() {
    return id;
  }

  boolean granting() {
    return rebuildUntil == 0;
  }

  /** Whether {@code memberId} is expected to re-assert (the ledger is rebuilding and has not heard from it). */
  boolean awaits(String memberId) {
    return !granting() && !reasserted.contains(memberId);
  }

  /** The caller's clock: true when it ends the rebuild (the wait is over). */
  boolean tick(long nowMillis) {
    if (!granting() && nowMillis > 0 && nowMillis >= rebuildUntil) {
      open();
      return true;
    }
    return false;
  }

  /**
   * {@code memberId} re-asserted what it holds, and sees {@code view} in the cluster: true when that ends the rebuild
   * (every member anyone saw has re-asserted).
   */
  boolean heardFrom(String memberId, Collection<String> view) {
    if (granting()) {
      return false;
    }
    reasserted.add(memberId);
    for (String m : view) {
      if (!reasserted.contains(m)) {
        awaited.add(m);
      }
    }
    awaited.remove(memberId);
    if (awaited.isEmpty()) {
      open();
      return true;
    }
    return false;
  }

  /** A member that left: nobody waits for it any more (true when that ends the rebuild). */
  boolean forget(String memberId) {
    if (granting() || !awaited.remove(memberId)) {
      return false;
    }
    if (!reasserted.isEmpty() && awaited.isEmpty()) {
      open();
      return true;
    }
    return false;
  }

  private void open() {
    rebuildUntil = 0;
    reasserted.clear();
    awaited.clear();
  }

  void writeTo(WireOut out) throws IOException {
    out.writeString(id);
    out.writeLong(rebuildUntil);
    out.writeStrings(reasserted);
    out.writeStrings(awaited);
  }

  static LedgerIncarnation readFrom(WireIn in) throws IOException {
    LedgerIncarnation i = new LedgerIncarnation(in.readString(), in.readLong());
    i.reasserted.addAll(in.readStrings());
    i.awaited.addAll(in.readStrings());
    return i;
  }
}
