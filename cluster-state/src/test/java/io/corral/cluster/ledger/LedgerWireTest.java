package io.corral.cluster.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.internal.nio.BufferObjectDataInput;
import com.hazelcast.internal.nio.BufferObjectDataOutput;
import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.corral.cluster.wire.WireVersion;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ledger and every operation on it have a versioned wire format: each reads back as written; a ledger written
 * by a later build, with a field this one does not know, still reads; and gated to the first version, this build
 * writes exactly what the first version reads, losing nothing that version has.
 */
class LedgerWireTest {

  static final String A = "http://127.0.0.1:1";
  static final String B = "http://127.0.0.1:2";

  final InternalSerializationService ss = new DefaultSerializationServiceBuilder()
      .addDataSerializableFactory(LedgerSerialization.FACTORY_ID, new LedgerSerialization()).build();

  /** A ledger with something in every part: backends, leases (warm and cold), waiting tickets, ended ids. */
  static PoolLedger busyLedger(int version) {
    PoolLedger l = PoolLedger.founded("inc-7");
    l.writtenIn(version);
    l.tick(1_700_000_000_000L);
    l.claimLeadership("m-lead");
    l.setCapacity(A, 1, 0, true);
    l.setCapacity(B, 2, 1, true);
    l.acquire(request("t1", "m-1", List.of(A), Strategy.LEAST_LOADED, new Conversation("conv-1", true)));
    l.tick(1_700_000_000_500L);
    l.acquire(request("t2", "m-2", List.of(B), Strategy.ROUND_ROBIN, new Conversation("", false)));
    l.acquire(request("t3", "m-2", List.of(A), Strategy.RANDOM, new Conversation("conv-3", false)));
    l.acquire(request("t4", "m-1", List.of(A, B), Strategy.RANDOM, new Conversation("", false)));
    l.release("t2");
    l.purgeMember("m-gone");
    return l;
  }

  static AcquireRequest request(String ticket, String member, List<String> on, Strategy strategy, Conversation c) {
    List<AcquireRequest.Candidate> candidates = on.stream()
        .map(b -> new AcquireRequest.Candidate(b, b.equals(A) ? 1 : 2, !b.equals(B), b.equals(B) ? 1 : 0)).toList();
    return new AcquireRequest(ticket, member, "llama3", 7, candidates, strategy, 99, 100, 50, -1, 1,
        "127.0.0.1:5701", true, false, c);
  }

  /** One of each operation, with every argument set. */
  static List<IdentifiedDataSerializable> everyOperation(int version) {
    LedgerOps.Mutating<?>[] mutating = {
        new LedgerOps.Acquire(request("t9", "m-1", List.of(A, B), Strategy.ROUND_ROBIN,
            new Conversation("conv-9", true))),
        new LedgerOps.Release("t1", true),
        new LedgerOps.SetCapacity(B, 4, 2, false, new LeaderTerm("m-lead", 3)),
        new LedgerOps.SetCapacity(A, 1, 0, true, null),
        new LedgerOps.PurgeMember("m-2", new LeaderTerm("m-lead", 3)),
        new LedgerOps.Reassert("m-1", List.of(new Grant("t1", "m-1", A)), List.of("llama3"), List.of("m-1", "m-2")),
        new LedgerOps.ClaimLeadership("m-lead"),
        new LedgerOps.AllowCold("t3"),
        new LedgerOps.Found(true),
        new LedgerOps.Tick()};
    List<IdentifiedDataSerializable> out = new java.util.ArrayList<>();
    for (LedgerOps.Mutating<?> op : mutating) {
      out.add(op.stamped(1_700_000_000_000L, "inc-new").inVersion(version));
    }
    out.add(new LedgerOps.Backup<>(new LedgerOps.Release("t2", false).stamped(5, "x").inVersion(version)));
    out.add(new LedgerOps.Holdings("m-1").inVersion(version));
    out.add(new LedgerOps.Holdings(null).inVersion(version));
    out.add(new LedgerOps.Snapshot().inVersion(version));
    out.add(busyLedger(version));
    return out;
  }

  @Test
  void everyOperationAndTheLedgerReadBackAsWrittenInEveryVersion() {
    for (int version = WireVersion.V1; version <= WireVersion.CURRENT; version++) {
      Map<Integer, Boolean> covered = new LinkedHashMap<>();
      for (IdentifiedDataSerializable value : everyOperation(version)) {
        byte[] once = ss.toData(value).toByteArray();
        Object copy = ss.toObject(ss.toData(value));
        assertThat(copy).isInstanceOf(value.getClass());
        assertThat(ss.toData(copy).toByteArray()).as("%s in version %d", value.getClass().getSimpleName(), version)
            .isEqualTo(once);
        covered.put(value.getClassId(), true);
      }
      for (int id = 1; ; id++) {
        IdentifiedDataSerializable known;
        try {
          known = new LedgerSerialization().create(id);
        } catch (IllegalArgumentException past) {
          break;
        }
        assertThat(covered).as("a round trip for %s", known.getClass().getSimpleName()).containsKey(id);
      }
    }
  }

  @Test
  void theLedgerKeepsEveryDecisionAcrossTheWire() {
    PoolLedger ledger = busyLedger(WireVersion.CURRENT);
    PoolLedger copy = ss.toObject(ss.toData(ledger));
    assertThat(copy.snapshot()).isEqualTo(ledger.snapshot());
    assertThat(copy.snapshot().oldestLeaseSince(A)).isEqualTo(1_700_000_000_000L);
    for (String member : List.of("m-1", "m-2", "m-gone")) {
      assertThat(copy.holdingsOf(member)).isEqualTo(ledger.holdingsOf(member));
    }
    assertThat(copy.leaderTerm()).isEqualTo(ledger.leaderTerm());
    // the same next decisions: releasing t1 hands A to the same waiting ticket on both (each operation brings
    // its caller's clock first)
    assertThat(copy.tick(1_700_000_009_000L)).isEqualTo(ledger.tick(1_700_000_009_000L));
    assertThat(copy.release("t1")).isEqualTo(ledger.release("t1"));
    assertThat(copy.snapshot().oldestLeaseSince(A)).isEqualTo(1_700_000_009_000L);
    assertThat(copy.snapshot()).isEqualTo(ledger.snapshot());
  }

  @Test
  void aLedgerFromALaterBuildWithAFieldThisOneDoesNotKnowStillReads() throws IOException {
    PoolLedger ledger = busyLedger(WireVersion.CURRENT);
    byte[] body = bodyOf(ledger);
    // a later build: one version up, one more field after everything this build writes
    byte[] later = Arrays.copyOf(body, body.length + 12);
    later[body.length + 3] = 42;
    PoolLedger read = readFrame(WireVersion.CURRENT + 1, later);
    assertThat(read.snapshot()).isEqualTo(ledger.snapshot());
    assertThat(read.holdingsOf("m-2")).isEqualTo(ledger.holdingsOf("m-2"));
    // and it is written back in the newest version this build knows, which the later build reads
    assertThat(read.format()).isEqualTo(WireVersion.CURRENT);
  }

  @Test
  void gatedToTheFirstVersionTheLedgerWritesOnlyWhatTheFirstVersionReadsAndLosesNothingOfIt() throws IOException {
    PoolLedger v1 = busyLedger(WireVersion.V1);
    PoolLedger v2 = busyLedger(WireVersion.V2_LEASE_AGE);
    assertThat(v1.snapshot().oldestLeaseSince(A)).as("no grant times before every member keeps them").isZero();
    assertThat(v2.snapshot().oldestLeaseSince(A)).isEqualTo(1_700_000_000_000L);

    byte[] firstVersionBody = bodyOf(v1);
    byte[] secondVersionBody = bodyOf(v2);
    int leases = v2.snapshot().backends().stream().mapToInt(LedgerSnapshot.BackendLoad::inFlight).sum();
    // V2 only appends each lease's grant time; V1's fields are byte for byte the same
    assertThat(secondVersionBody.length).isEqualTo(firstVersionBody.length + 8 * leases);
    assertThat(Arrays.copyOf(secondVersionBody, firstVersionBody.length)).isEqualTo(firstVersionBody);

    // a first-version reader (it stops where V1 ends) gets everything V1 has
    PoolLedger read = readFrame(WireVersion.V1, secondVersionBody);
    assertThat(read.snapshot().backends()).extracting(LedgerSnapshot.BackendLoad::oldestLeaseSince)
        .containsOnly(0L);
    assertThat(read.snapshot().queueDepth()).isEqualTo(v1.snapshot().queueDepth());
    assertThat(read.snapshot()).isEqualTo(v1.snapshot());
    for (String member : List.of("m-1", "m-2")) {
      assertThat(read.holdingsOf(member)).isEqualTo(v1.holdingsOf(member));
    }
  }

  /**
   * The bytes of each version are pinned: members of other builds read exactly these. A refactoring that moves a
   * field changes the digest; a new field belongs in a new version (WireVersion), appended after these.
   */
  @Test
  void eachVersionsBytesStayExactlyAsReleased() throws IOException {
    assertThat(digest(bodyOf(busyLedger(WireVersion.V1)))).as("V1").isEqualTo(PINNED_V1);
    assertThat(digest(bodyOf(busyLedger(WireVersion.V2_LEASE_AGE)))).as("V2").isEqualTo(PINNED_V2);
    java.io.ByteArrayOutputStream operations = new java.io.ByteArrayOutputStream();
    for (IdentifiedDataSerializable op : everyOperation(WireVersion.V1)) {
      if (!(op instanceof PoolLedger)) {
        operations.write(ss.toData(op).toByteArray());
      }
    }
    assertThat(digest(operations.toByteArray())).as("operations, V1").isEqualTo(PINNED_OPERATIONS_V1);
  }

  static final String PINNED_OPERATIONS_V1 =
      "917:32ece5a8694669efa2730fce0c78e36fd7a83184229d93a7967a18cfd22cf968";

  static final String PINNED_V1 = "545:1b1561a4a7897595f948b75b87127d41ee2016fbe9a62fd6b0dd69c6ea98c638";
  static final String PINNED_V2 = "553:f0d08135beda943ce9be537e7588b86f634b26bf420e598ee8150da5f3d1d5ad";

  static String digest(byte[] bytes) {
    try {
      return bytes.length + ":" + java.util.HexFormat.of().formatHex(
          java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aCutOrCorruptFrameIsRefusedWithoutAllocatingWhatItClaims() throws IOException {
    byte[] body = bodyOf(busyLedger(WireVersion.CURRENT));
    assertThatThrownBy(() -> readFrame(WireVersion.CURRENT, Arrays.copyOf(body, body.length / 2)))
        .isInstanceOf(IOException.class).hasMessageContaining("corral wire frame");
    byte[] hugeCount = body.clone();
    // nextSeq and rotation (16 bytes), then the backend count: claim two billion backends
    hugeCount[16] = 0x7f;
    assertThatThrownBy(() -> readFrame(WireVersion.CURRENT, hugeCount))
        .isInstanceOf(IOException.class).hasMessageContaining("does not fit");
    assertThatThrownBy(() -> readFrame(0, body)).isInstanceOf(IOException.class)
        .hasMessageContaining("not a corral wire frame");
    // the frame's own length: a billion bytes claimed by a frame of a few hundred
    BufferObjectDataOutput lying = ss.createObjectDataOutput();
    lying.writeByte(WireVersion.CURRENT);
    lying.writeInt(1_000_000_000);
    lying.write(body);
    assertThatThrownBy(() -> new PoolLedger().readData(ss.createObjectDataInput(lying.toByteArray())))
        .isInstanceOf(IOException.class).hasMessageContaining("more than it holds");
  }

  /** The fields block of {@code ledger}'s frame, as written. */
  private byte[] bodyOf(PoolLedger ledger) throws IOException {
    BufferObjectDataOutput out = ss.createObjectDataOutput();
    ledger.writeData(out);
    BufferObjectDataInput in = ss.createObjectDataInput(out.toByteArray());
    assertThat((int) in.readByte()).isEqualTo(ledger.format());
    return in.readByteArray();
  }

  private PoolLedger readFrame(int version, byte[] body) throws IOException {
    BufferObjectDataOutput out = ss.createObjectDataOutput();
    out.writeByte(version);
    out.writeByteArray(body);
    PoolLedger read = new PoolLedger();
    read.readData(ss.createObjectDataInput(out.toByteArray()));
    return read;
  }
}
