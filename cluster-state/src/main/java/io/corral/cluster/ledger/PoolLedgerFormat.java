package io.corral.cluster.ledger;

import io.corral.cluster.ledger.PoolLedger.BackendSlots;
import io.corral.cluster.ledger.PoolLedger.Lease;
import io.corral.cluster.ledger.PoolLedger.Ticket;
import io.corral.cluster.ledger.PoolLedger.TicketKey;
import io.corral.cluster.wire.WireIn;
import io.corral.cluster.wire.WireOut;
import io.corral.cluster.wire.WireVersion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The wire form of a {@link PoolLedger}, inside its {@code WireFrame}: the first version's fields in their order,
 * then each later version's fields after them, so an older reader stops where its version ends. The bytes of each
 * version are pinned by {@code LedgerWireTest}; a new field takes a new version (see {@link WireVersion}).
 */
final class PoolLedgerFormat {

  private PoolLedgerFormat() {}

  static void write(PoolLedger ledger, WireOut out) throws IOException {
    out.writeLong(ledger.nextSeq);
    out.writeLong(ledger.placement.rotation());
    out.writeInt(ledger.backends.size());
    for (Map.Entry<String, BackendSlots> e : ledger.backends.entrySet()) {
      out.writeString(e.getKey());
      out.writeInt(e.getValue().slots);
      out.writeInt(e.getValue().modelSlots);
      out.writeBoolean(e.getValue().available);
      out.writeBoolean(e.getValue().synced);
    }
    out.writeInt(ledger.leases.size());
    for (Lease l : ledger.leases.values()) {
      out.writeString(l.leaseId());
      out.writeString(l.backendId());
      out.writeString(l.memberId());
      out.writeString(l.model());
      out.writeInt(l.priority());
      out.writeLong(l.seq());
      out.writeBoolean(l.cold());
    }
    out.writeInt(ledger.waiting.size());
    for (Map.Entry<TicketKey, Ticket> e : ledger.waiting.entrySet()) {
      Ticket t = e.getValue();
      out.writeLong(e.getKey().sortKey());
      out.writeString(t.ticketId());
      out.writeString(t.memberId());
      out.writeString(t.model());
      out.writeInt(t.priority());
      out.writeLong(t.seq());
      out.writeStrings(t.candidates());
      out.writeString(t.strategy().wireName());
      out.writeLong(t.randomDraw());
      out.writeStrings(t.cold());
      out.writeInt(t.coldCap());
      out.writeString(t.notifyTo());
      out.writeBoolean(t.warmOnly());
      out.writeString(t.conversation().key());
      out.writeBoolean(t.conversation().prefer());
    }
    out.writeStrings(ledger.tombstones);
    out.writeStrings(ledger.endedOrder);
    out.writeLong(ledger.fence.term().epoch());
    out.writeString(ledger.fence.term().leader());
    out.writeStrings(ledger.purgedTickets);
    out.writeInt(ledger.conversations.size());
    for (Map.Entry<String, String> e : ledger.conversations.inUseOrder()) {
      out.writeString(e.getKey());
      out.writeString(e.getValue());
    }
    ledger.incarnation.writeTo(out);
    if (out.speaks(WireVersion.V2_LEASE_AGE)) {
      for (Lease l : ledger.leases.values()) {
        out.writeLong(l.grantedAt());
      }
    }
  }

  static void read(PoolLedger ledger, WireIn in) throws IOException {
    // written in the version it was; from now on written in the newest this build speaks that is not newer
    ledger.format = Math.min(in.version(), WireVersion.CURRENT);
    ledger.nextSeq = in.readLong();
    ledger.placement.restore(in.readLong());
    int nb = in.count(14);
    for (int i = 0; i < nb; i++) {
      String id = in.readString();
      int slots = in.readInt();
      int modelSlots = in.readInt();
      BackendSlots b = new BackendSlots(slots, in.readBoolean());
      b.modelSlots = modelSlots;
      b.synced = in.readBoolean();
      ledger.backends.put(id, b);
    }
    int nl = in.count(29);
    List<Lease> read = new ArrayList<>(nl);
    for (int i = 0; i < nl; i++) {
      read.add(new Lease(in.readString(), in.readString(), in.readString(), in.readString(), in.readInt(),
          in.readLong(), in.readBoolean(), 0));
    }
    int nw = in.count(60);
    for (int i = 0; i < nw; i++) {
      long sortKey = in.readLong();
      Ticket t = new Ticket(in.readString(), in.readString(), in.readString(), in.readInt(), in.readLong(),
          in.readStrings(), Strategy.fromWire(in.readString()), in.readLong(), in.readStrings(), in.readInt(),
          in.readString(), in.readBoolean(), new Conversation(in.readString(), in.readBoolean()));
      TicketKey key = new TicketKey(sortKey, t.seq());
      ledger.waiting.put(key, t);
      ledger.waitingById.put(t.ticketId(), key);
    }
    ledger.tombstones.addAll(in.readStrings());
    for (String id : in.readStrings()) {
      ledger.endedOrder.addLast(id);
      ledger.ended.add(id);
    }
    ledger.fence.restore(in.readLong(), in.readString());
    ledger.purgedTickets.addAll(in.readStrings());
    int nc = in.count(8);
    for (int i = 0; i < nc; i++) {
      ledger.conversations.restore(in.readString(), in.readString());
    }
    ledger.incarnation = LedgerIncarnation.readFrom(in);
    for (int i = 0; i < nl; i++) {
      Lease l = read.get(i);
      if (in.has(WireVersion.V2_LEASE_AGE)) {
        long grantedAt = in.readLong();
        l = new Lease(l.leaseId(), l.backendId(), l.memberId(), l.model(), l.priority(), l.seq(), l.cold(),
            grantedAt);
      }
      ledger.leases.put(l.leaseId(), l);
      ledger.backends.computeIfAbsent(l.backendId(), id -> new BackendSlots(0, false)).leases.add(l.leaseId());
    }
  }
}
