package io.corral.cluster.ledger;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.corral.cluster.wire.WireFrame;
import io.corral.cluster.wire.WireIn;
import io.corral.cluster.wire.WireOut;
import io.corral.cluster.wire.WireVersion;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The entry processors that change or read a {@link PoolLedger}. Each carries only its arguments; the decision
 * is made by the ledger on the key's partition thread. Mutating ones run again on backups (the default backup
 * processor is the same change), which is safe because the ledger decides deterministically.
 *
 * <p>Each is framed ({@link WireFrame}) in the version its caller's {@code VersionGate} agreed on, and a mutating one
 * makes the ledger write itself in that version from then on; a field added later is written only in a frame of
 * its version and read only from one.
 */
final class LedgerOps {

  private LedgerOps() {}

  /**
   * The entry's ledger, or null when there is none, or what is there is not one this build can read (a foreign or
   * corrupt value is treated like a lost entry: the next change makes a rebuilding ledger over it).
   */
  static PoolLedger ledgerIn(Map.Entry<String, PoolLedger> entry) {
    try {
      Object value = ((Map.Entry<?, ?>) entry).getValue();
      return value instanceof PoolLedger p ? p : null;
    } catch (RuntimeException unreadable) {
      return null;
    }
  }

  /**
   * Base: load (or create) the ledger, apply, store. On the partition owner the grants the change made are sent to
   * their members at once ({@link GrantNotifier}); the backup replica applies the same change silently
   * ({@link Backup}). If the owner dies between sending a notice and its backup taking the change, the caller's
   * retry on the new owner decides the same grant again from the same state, so the notice stays true.
   */
  abstract static class Mutating<R> implements EntryProcessor<String, PoolLedger, R>, IdentifiedDataSerializable,
      HazelcastInstanceAware {
    private transient HazelcastInstance hazelcast;
    /** The caller's clock (epoch millis): ends a rebuild whose wait is over; stamps a ledger this op has to make. */
    long callerMillis;
    /** The incarnation id of a ledger this operation has to make (the entry is missing); chosen by the caller. */
    String newIncarnation = "";
    /** The wire version the caller's members all speak: this operation's frame, and the ledger's from now. */
    int wireVersion = WireVersion.V1;
    /** Grants made because this operation's clock ended a rebuild (announced like the operation's own). */
    transient List<Grant> opened = List.of();

    /** Stamps the caller's clock and an id for a ledger this operation might have to make. */
    Mutating<R> stamped(long millis, String incarnationId) {
      this.callerMillis = millis;
      this.newIncarnation = incarnationId;
      return this;
    }

    /** Stamps the version every member speaks, as the caller's gate sees it. */
    Mutating<R> inVersion(int version) {
      this.wireVersion = version;
      return this;
    }

    @Override
    public final R process(Map.Entry<String, PoolLedger> entry) {
      R result = applyTo(entry);
      List<Grant> grants = grantsIn(result);
      if (hazelcast != null) {
        if (!opened.isEmpty()) {
          GrantNotifier.of(hazelcast).publish(opened);
        }
        if (!grants.isEmpty()) {
          GrantNotifier.of(hazelcast).publish(grants);
        }
      }
      return result;
    }

    final R applyTo(Map.Entry<String, PoolLedger> entry) {
      PoolLedger ledger = ledgerIn(entry);
      if (ledger == null) {
        ledger = create();
      }
      ledger.writtenIn(wireVersion);
      opened = ledger.tick(callerMillis);
      R result = apply(ledger);
      entry.setValue(ledger);
      return result;
    }

    /**
     * The ledger for a missing entry. The entry existed before unless the cluster is new ({@link Found}), so the
     * ledger made here is rebuilding: it grants nothing until the members re-asserted what they hold.
     */
    PoolLedger create() {
      return PoolLedger.rebuilding(newIncarnation, callerMillis);
    }

    @Override
    public final void writeData(ObjectDataOutput out) throws IOException {
      WireFrame.write(out, wireVersion, body -> {
        body.writeLong(callerMillis);
        body.writeString(newIncarnation);
        writeArgs(body);
      });
    }

    @Override
    public final void readData(ObjectDataInput in) throws IOException {
      WireFrame.read(in, body -> {
        // a newer caller's operation runs here in the newest version this build speaks
        wireVersion = Math.min(body.version(), WireVersion.CURRENT);
        callerMillis = body.readLong();
        newIncarnation = body.readString();
        readArgs(body);
      });
    }

    abstract void writeArgs(WireOut out) throws IOException;

    abstract void readArgs(WireIn in) throws IOException;

    abstract R apply(PoolLedger ledger);

    /** Grants to announce: tickets of other requests that this change gave a slot. */
    List<Grant> grantsIn(R result) {
      return List.of();
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
      this.hazelcast = hazelcast;
    }

    @Override
    public EntryProcessor<String, PoolLedger, R> getBackupProcessor() {
      return new Backup<>(this);
    }

    @Override
    public int getFactoryId() {
      return LedgerSerialization.FACTORY_ID;
    }
  }

  /** A change that may hand freed or new capacity to waiting tickets, whose members are told at once. */
  abstract static class Granting extends Mutating<ReleaseResult> {
    @Override
    final List<Grant> grantsIn(ReleaseResult result) {
      return result.grants();
    }
  }

  /**
   * The same change on the backup replica, without telling anyone. Not framed itself: its only content is the
   * framed operation (a field it needed would make it a new class id).
   */
  static final class Backup<R> implements EntryProcessor<String, PoolLedger, R>, IdentifiedDataSerializable {
    Mutating<R> op;

    Backup() {}

    Backup(Mutating<R> op) {
      this.op = op;
    }

    @Override
    public R process(Map.Entry<String, PoolLedger> entry) {
      return op.applyTo(entry);
    }

    @Override
    public EntryProcessor<String, PoolLedger, R> getBackupProcessor() {
      return null;
    }

    @Override
    public int getFactoryId() {
      return LedgerSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
      return LedgerSerialization.BACKUP;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeObject(op);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      op = in.readObject();
    }
  }

  /** Base for reads: no backup, no write. */
  abstract static class Reading<R> implements EntryProcessor<String, PoolLedger, R>, IdentifiedDataSerializable,
      ReadOnly {
    /** The wire version the caller's members all speak: this read's frame. */
    int wireVersion = WireVersion.V1;

    Reading<R> inVersion(int version) {
      this.wireVersion = version;
      return this;
    }

    @Override
    public final void writeData(ObjectDataOutput out) throws IOException {
      WireFrame.write(out, wireVersion, this::writeArgs);
    }

    @Override
    public final void readData(ObjectDataInput in) throws IOException {
      WireFrame.read(in, body -> {
        wireVersion = Math.min(body.version(), WireVersion.CURRENT);
        readArgs(body);
      });
    }

    void writeArgs(WireOut out) throws IOException {
      // no arguments unless a read has some
    }

    void readArgs(WireIn in) throws IOException {
      // no arguments unless a read has some
    }

    @Override
    public final R process(Map.Entry<String, PoolLedger> entry) {
      // nothing here yet: an empty picture, under no incarnation ("")
      PoolLedger ledger = ledgerIn(entry);
      return apply(ledger == null ? PoolLedger.founded("") : ledger);
    }

    abstract R apply(PoolLedger ledger);

    @Override
    public EntryProcessor<String, PoolLedger, R> getBackupProcessor() {
      return null;
    }

    @Override
    public int getFactoryId() {
      return LedgerSerialization.FACTORY_ID;
    }
  }

  static final class Acquire extends Mutating<AcquireResult> {
    AcquireRequest request;

    Acquire() {}

    /** Grants the acquire made to other tickets, announced by the owner (not part of the caller's result). */
    private transient List<Grant> othersGranted = List.of();

    Acquire(AcquireRequest request) {
      this.request = request;
    }

    @Override
    AcquireResult apply(PoolLedger ledger) {
      List<Grant> others = new ArrayList<>();
      AcquireResult result = ledger.acquire(request, others);
      othersGranted = others;
      return result;
    }

    @Override
    List<Grant> grantsIn(AcquireResult result) {
      return othersGranted;
    }

    @Override
    public int getClassId() {
      return LedgerSerialization.ACQUIRE;
    }

    @Override
    void writeArgs(WireOut out) throws IOException {
      AcquireRequest r = request;
      out.writeString(r.ticketId());
      out.writeString(r.memberId());
      out.writeString(r.model());
      out.writeInt(r.priority());
      out.writeInt(r.candidates().size());
      for (AcquireRequest.Candidate c : r.candidates()) {
        out.writeString(c.backendId());
        out.writeInt(c.slots());
        out.writeBoolean(c.warm());
        out.writeInt(c.modelSlots());
      }
      out.writeString(r.strategy().wireName());
      out.writeLong(r.randomDraw());
      out.writeInt(r.maxDepth());
      out.writeInt(r.agingCredit());
      out.writeLong(r.arrivalSeq());
      out.writeInt(r.coldCap());
      out.writeString(r.notifyTo());
      out.writeBoolean(r.waitForWarm());
      out.writeBoolean(r.rejoin());
      out.writeString(r.conversation().key());
      out.writeBoolean(r.conversation().prefer());
    }

    @Override
    void readArgs(WireIn in) throws IOException {
      String ticketId = in.readString();
      String memberId = in.readString();
      String model = in.readString();
      int priority = in.readInt();
      int n = in.count(13);
      List<AcquireRequest.Candidate> candidates = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        candidates.add(new AcquireRequest.Candidate(in.readString(), in.readInt(), in.readBoolean(), in.readInt()));
      }
      request = new AcquireRequest(ticketId, memberId, model, priority, candidates,
          Strategy.fromWire(in.readString()), in.readLong(), in.readInt(), in.readInt(), in.readLong(), in.readInt(),
          in.readString(), in.readBoolean(), in.readBoolean(), new Conversation(in.readString(), in.readBoolean()));
    }
  }

  /** A waiting ticket that held out for a warm slot may now take a cold one too. */
  static final class AllowCold extends Granting {
    String ticketId;

    AllowCold() {}

    AllowCold(String ticketId) {
      this.ticketId = ticketId;
    }

    @Override
    ReleaseResult apply(PoolLedger ledger) {
      return ledger.allowCold(ticketId);
    }

    @Override
    public int getClassId() {
      return LedgerSerialization.ALLOW_COLD;
    }

    @Override
    void writeArgs(WireOut out) throws IOException {
      out.writeString(ticketId);
    }

    @Override
    void readArgs(WireIn in) throws IOException {
      ticketId = in.readString();
    }
  }

  /** Release a lease (or, with {@code cancel}, take a waiting ticket out of the queue). */
  static final class Release extends Granting {
    String id;
    boolean cancel;

    Release() {}

    Release(String id, boolean cancel) {
      this.id = id;
      this.cancel = cancel;
    }

    @Override
    ReleaseResult apply(PoolLedger ledger) {
      return cancel ? ledger.cancel(id) : ledger.release(id);
    }

    @Override
    public int getClassId() {
      return LedgerSerialization.RELEASE;
    }

    @Override
    void writeArgs(WireOut out) throws IOException {
      out.writeString(id);
      out.writeBoolean(cancel);
    }

    @Override
    void readArgs(WireIn in) throws IOException {
      id = in.readString();
      cancel = in.readBoolean();
    }
  }

  static final class SetCapacity extends Granting {
    String backendId;
    int slots;
    int modelSlots;
    boolean available;
    LeaderTerm term;

    SetCapacity() {}

    SetCapacity(String backendId, int slots, int modelSlots, boolean available, LeaderTerm term) {
      this.backendId = backendId;
      this.slots = slots;
      this.modelSlots = modelSlots;
      this.available = available;
      this.term = term;
    }

    @Override
    ReleaseResult apply(PoolLedger ledger) {
      if (!ledger.holds(term)) {
        return new ReleaseResult(ReleaseResult.Outcome.FENCED, List.of());
      }
      return new ReleaseResult(ReleaseResult.Outcome.UNKNOWN,
          ledger.setCapacity(backendId, slots, modelSlots, available));
    }

    @Override
    public int getClassId() {
      return LedgerSerialization.SET_CAPACITY;
    }

    @Override
    void writeArgs(WireOut out) throws IOException {
      out.writeString(backendId);
      out.writeInt(slots);
      out.writeInt(modelSlots);
      out.writeBoolean(available);
      writeTerm(out, term);
    }

    @Override
    void readArgs(WireIn in) throws IOException {
      backendId = in.readString();
      slots = in.readInt();
      modelSlots = in.readInt();
      available = in.readBoolean();
      term = readTerm(in);
    }
  }

  static final class PurgeMember extends Granting {
    String memberId;
    LeaderTerm term;

    PurgeMember() {}

    PurgeMember(String memberId, LeaderTerm term) {
      this.memberId = memberId;
      this.term = term;
    }

    @Override
    ReleaseResult apply(PoolLedger ledger) {
      if (!ledger.holds(term)) {
        return new ReleaseResult(ReleaseResult.Outcome.FENCED, List.of());
      }
      return new ReleaseResult(ReleaseResult.Outcome.UNKNOWN, ledger.purgeMember(memberId));
    }

    @Override
    public int getClassId() {
      return LedgerSerialization.PURGE_MEMBER;
    }

    @Override
    void writeArgs(WireOut out) throws IOException {
      out.writeString(memberId);
      writeTerm(out, term);
    }

    @Override
    void readArgs(WireIn in) throws IOException {
      memberId = in.readString();
      term = readTerm(in);
    }
  }

  /** A member that became leader claims the ledger's next leader epoch (or keeps its own). */
  static final class ClaimLeadership extends Mutating<Long> {
    String memberId;

    ClaimLeadership() {}

    ClaimLeadership(String memberId) {
      this.memberId = memberId;
    }

    @Override
    Long apply(PoolLedger ledger) {
      return ledger.claimLeadership(memberId);
    }

    @Override
    public int getClassId() {
      return LedgerSerialization.CLAIM_LEADERSHIP;
    }

    @Override
    void writeArgs(WireOut out) throws IOException {
      out.writeString(memberId);
    }

    @Override
    void readArgs(WireIn in) throws IOException {
      memberId = in.readString();
    }
  }

  /** A term as two fields; an epoch of -1 stands for none (an unfenced call). */
  static void writeTerm(WireOut out, LeaderTerm term) throws IOException {
    out.writeString(term == null ? "" : term.leader());
    out.writeLong(term == null ? -1 : term.epoch());
  }

  static LeaderTerm readTerm(WireIn in) throws IOException {
    String leader = in.readString();
    long epoch = in.readLong();
    return epoch < 0 ? null : new LeaderTerm(leader, epoch);
  }

  static final class Reassert extends Mutating<Integer> {
    String memberId;
    List<Grant> held;
    /** The model of each held lease, same order ("" where unknown). */
    List<String> models;
    /** The members the re-asserting member sees: a rebuilding ledger waits for each of them. */
    List<String> view = List.of();
    /** Grants made because this re-assert ended a rebuild. */
    private transient List<Grant> reopened = List.of();

    Reassert() {}

    Reassert(String memberId, List<Grant> held, List<String> models, List<String> view) {
      this.memberId = memberId;
      this.held = List.copyOf(held);
      this.models = List.copyOf(models);
      this.view = List.copyOf(view);
    }

    @Override
    Integer apply(PoolLedger ledger) {
      int added = ledger.reassert(memberId, held, models);
      List<Grant> grants = new ArrayList<>(ledger.reasserted(memberId, view));
      // a lease that moved to where its request really runs may have left a slot free
      grants.addAll(ledger.dispatch());
      reopened = grants;
      return added;
    }

    @Override
    List<Grant> grantsIn(Integer result) {
      return reopened;
    }

    @Override
    public int getClassId() {
      return LedgerSerialization.REASSERT;
    }

    @Override
    void writeArgs(WireOut out) throws IOException {
      out.writeString(memberId);
      out.writeInt(held.size());
      for (int i = 0; i < held.size(); i++) {
        out.writeString(held.get(i).ticketId());
        out.writeString(held.get(i).backendId());
        out.writeString(i < models.size() ? models.get(i) : "");
      }
      out.writeStrings(view);
    }

    @Override
    void readArgs(WireIn in) throws IOException {
      memberId = in.readString();
      int n = in.count(12);
      List<Grant> list = new ArrayList<>(n);
      List<String> modelList = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        list.add(new Grant(in.readString(), memberId, in.readString()));
        modelList.add(in.readString());
      }
      held = list;
      models = modelList;
      view = in.readStrings();
    }
  }

  /**
   * Makes the pool's ledger if it is missing and returns its incarnation. {@code fresh}: the caller is the first
   * member of a new cluster, so nothing can have been lost and the ledger grants at once; otherwise a missing entry
   * was lost and the ledger made here is rebuilding.
   */
  static final class Found extends Mutating<String> {
    boolean fresh;

    Found() {}

    Found(boolean fresh) {
      this.fresh = fresh;
    }

    @Override
    PoolLedger create() {
      return fresh ? PoolLedger.founded(newIncarnation) : super.create();
    }

    @Override
    String apply(PoolLedger ledger) {
      return ledger.incarnation();
    }

    @Override
    public int getClassId() {
      return LedgerSerialization.FOUND;
    }

    @Override
    void writeArgs(WireOut out) throws IOException {
      out.writeBoolean(fresh);
    }

    @Override
    void readArgs(WireIn in) throws IOException {
      fresh = in.readBoolean();
    }
  }

  /**
   * Only the caller's clock: ends a rebuild whose wait is over. The result lists the grants that made (they are also
   * announced to their members).
   */
  static final class Tick extends Mutating<ReleaseResult> {
    @Override
    ReleaseResult apply(PoolLedger ledger) {
      return new ReleaseResult(ReleaseResult.Outcome.UNKNOWN, opened);
    }

    @Override
    public int getClassId() {
      return LedgerSerialization.TICK;
    }

    @Override
    void writeArgs(WireOut out) {
      // the stamp is all
    }

    @Override
    void readArgs(WireIn in) {
      // the stamp is all
    }
  }

  /** Reads what a member holds ({@code memberId} set) or which members hold anything (null). */
  static final class Holdings extends Reading<MemberHoldings> {
    String memberId;

    Holdings() {}

    Holdings(String memberId) {
      this.memberId = memberId;
    }

    @Override
    MemberHoldings apply(PoolLedger ledger) {
      return memberId == null ? new MemberHoldings(List.of(), List.copyOf(ledger.membersHolding()),
          ledger.incarnation(), false, !ledger.granting()) : ledger.holdingsOf(memberId);
    }

    @Override
    public int getClassId() {
      return LedgerSerialization.HOLDINGS;
    }

    @Override
    void writeArgs(WireOut out) throws IOException {
      out.writeString(memberId);
    }

    @Override
    void readArgs(WireIn in) throws IOException {
      memberId = in.readString();
    }
  }

  static final class Snapshot extends Reading<LedgerSnapshot> {
    @Override
    LedgerSnapshot apply(PoolLedger ledger) {
      return ledger.snapshot();
    }

    @Override
    public int getClassId() {
      return LedgerSerialization.SNAPSHOT;
    }

  }
}
