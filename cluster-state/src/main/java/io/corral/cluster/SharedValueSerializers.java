package io.corral.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.nio.serialization.FieldKind;
import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;
import io.corral.cluster.apps.RegisteredApp;
import io.corral.cluster.backends.BackendHealth;
import io.corral.cluster.backends.BackendKind;
import io.corral.cluster.backends.BackendOrigin;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.backends.BackendTimeouts;
import io.corral.cluster.backends.OpenCircuits.OpenCircuit;
import io.corral.cluster.events.ClusterEvent;
import io.corral.cluster.ledger.AcquireResult;
import io.corral.cluster.ledger.Grant;
import io.corral.cluster.ledger.LedgerSnapshot;
import io.corral.cluster.ledger.LedgerSnapshot.BackendLoad;
import io.corral.cluster.ledger.MemberHoldings;
import io.corral.cluster.ledger.ReleaseResult;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The wire form of every value cluster-state shares between members: the shared maps' and topics' values and the
 * ledger's answers. Compact with explicit serializers, so the format is written here field by field (not derived
 * from the classes by reflection), names its types {@code corral.*} rather than by Java class, and keeps enums as
 * names; a reader ignores fields it does not know and a later field can be added with a default for older data
 * ({@link CompactReader#getFieldKind}). The ledger itself and its operations use identified serialization
 * ({@code LedgerSerialization}), framed with their version ({@code WireFrame}); nothing of corral's uses Java
 * serialization.
 *
 * <p>Each serializer is stateless and thread-safe. A round-trip test per value lives in {@code SharedValuesWireTest}.
 */
public final class SharedValueSerializers {

  private SharedValueSerializers() {}

  /** Every serializer, for registering in a member's config. */
  public static List<CompactSerializer<?>> all() {
    return List.of(new GrantSerializer(), new AcquireResultSerializer(), new ReleaseResultSerializer(),
        new MemberHoldingsSerializer(), new BackendLoadSerializer(), new LedgerSnapshotSerializer(),
        new BackendTimeoutsSerializer(), new BackendStateSerializer(), new OpenCircuitSerializer(),
        new RegisteredAppSerializer(), new ClusterEventSerializer());
  }

  /** Registers {@link #all()} and {@code more} (values of other modules) in {@code c}. */
  public static void register(Config c, List<CompactSerializer<?>> more) {
    all().forEach(s -> c.getSerializationConfig().getCompactSerializationConfig().addSerializer(s));
    more.forEach(s -> c.getSerializationConfig().getCompactSerializationConfig().addSerializer(s));
  }

  static String[] strings(List<String> list) {
    return list.toArray(String[]::new);
  }

  static List<String> list(String[] array) {
    return array == null ? List.of() : List.of(array);
  }

  /** A string field a value written before the field existed does not have (null then). */
  static String optString(CompactReader in, String field) {
    return in.getFieldKind(field) == FieldKind.STRING ? in.readString(field) : null;
  }

  /** A long field a value written before the field existed does not have (0 then). */
  static long optLong(CompactReader in, String field) {
    return in.getFieldKind(field) == FieldKind.INT64 ? in.readInt64(field) : 0;
  }

  /** A boolean field a value written before the field existed does not have (false then). */
  static boolean optBoolean(CompactReader in, String field) {
    return in.getFieldKind(field) == FieldKind.BOOLEAN && in.readBoolean(field);
  }

  /** An enum by name; a name this build does not know reads as {@code fallback}. */
  static <E extends Enum<E>> E named(Class<E> type, String name, E fallback) {
    try {
      return name == null ? fallback : Enum.valueOf(type, name);
    } catch (IllegalArgumentException unknown) {
      return fallback;
    }
  }

  static final class GrantSerializer implements CompactSerializer<Grant> {
    @Override
    public Grant read(CompactReader in) {
      return new Grant(in.readString("ticketId"), in.readString("memberId"), in.readString("backendId"),
          in.readString("notifyTo"));
    }

    @Override
    public void write(CompactWriter out, Grant g) {
      out.writeString("ticketId", g.ticketId());
      out.writeString("memberId", g.memberId());
      out.writeString("backendId", g.backendId());
      out.writeString("notifyTo", g.notifyTo());
    }

    @Override
    public String getTypeName() {
      return "corral.Grant";
    }

    @Override
    public Class<Grant> getCompactClass() {
      return Grant.class;
    }
  }

  static final class AcquireResultSerializer implements CompactSerializer<AcquireResult> {
    @Override
    public AcquireResult read(CompactReader in) {
      // an outcome this build does not know is a refusal it cannot act on: the request is refused, not granted
      return new AcquireResult(named(AcquireResult.Outcome.class, in.readString("outcome"),
          AcquireResult.Outcome.NO_CAPACITY), in.readString("backendId"), in.readInt32("position"),
          in.readString("reason"), in.readInt64("seq"));
    }

    @Override
    public void write(CompactWriter out, AcquireResult r) {
      out.writeString("outcome", r.outcome().name());
      out.writeString("backendId", r.backendId());
      out.writeInt32("position", r.position());
      out.writeString("reason", r.reason());
      out.writeInt64("seq", r.seq());
    }

    @Override
    public String getTypeName() {
      return "corral.AcquireResult";
    }

    @Override
    public Class<AcquireResult> getCompactClass() {
      return AcquireResult.class;
    }
  }

  static final class ReleaseResultSerializer implements CompactSerializer<ReleaseResult> {
    @Override
    public ReleaseResult read(CompactReader in) {
      Grant[] grants = in.readArrayOfCompact("grants", Grant.class);
      return new ReleaseResult(named(ReleaseResult.Outcome.class, in.readString("outcome"),
          ReleaseResult.Outcome.UNKNOWN), grants == null ? List.of() : Arrays.asList(grants));
    }

    @Override
    public void write(CompactWriter out, ReleaseResult r) {
      out.writeString("outcome", r.outcome().name());
      out.writeArrayOfCompact("grants", r.grants().toArray(Grant[]::new));
    }

    @Override
    public String getTypeName() {
      return "corral.ReleaseResult";
    }

    @Override
    public Class<ReleaseResult> getCompactClass() {
      return ReleaseResult.class;
    }
  }

  static final class MemberHoldingsSerializer implements CompactSerializer<MemberHoldings> {
    @Override
    public MemberHoldings read(CompactReader in) {
      Grant[] leases = in.readArrayOfCompact("leases", Grant.class);
      return new MemberHoldings(leases == null ? List.of() : Arrays.asList(leases),
          list(in.readArrayOfString("waiting")), in.readString("incarnation"), in.readBoolean("awaitingYou"),
          in.readBoolean("rebuilding"));
    }

    @Override
    public void write(CompactWriter out, MemberHoldings h) {
      out.writeArrayOfCompact("leases", h.leases().toArray(Grant[]::new));
      out.writeArrayOfString("waiting", strings(h.waiting()));
      out.writeString("incarnation", h.incarnation());
      out.writeBoolean("awaitingYou", h.awaitingYou());
      out.writeBoolean("rebuilding", h.rebuilding());
    }

    @Override
    public String getTypeName() {
      return "corral.MemberHoldings";
    }

    @Override
    public Class<MemberHoldings> getCompactClass() {
      return MemberHoldings.class;
    }
  }

  static final class BackendLoadSerializer implements CompactSerializer<BackendLoad> {
    @Override
    public BackendLoad read(CompactReader in) {
      String[] models = in.readArrayOfString("models");
      int[] counts = in.readArrayOfInt32("modelInFlight");
      Map<String, Integer> byModel = new TreeMap<>();
      for (int i = 0; models != null && counts != null && i < Math.min(models.length, counts.length); i++) {
        byModel.put(models[i], counts[i]);
      }
      return new BackendLoad(in.readString("backendId"), in.readInt32("slots"), in.readBoolean("available"),
          in.readInt32("inFlight"), in.readInt32("modelSlots"), byModel, optLong(in, "oldestLeaseSince"));
    }

    @Override
    public void write(CompactWriter out, BackendLoad b) {
      out.writeString("backendId", b.backendId());
      out.writeInt32("slots", b.slots());
      out.writeBoolean("available", b.available());
      out.writeInt32("inFlight", b.inFlight());
      out.writeInt32("modelSlots", b.modelSlots());
      TreeMap<String, Integer> sorted = new TreeMap<>(b.inFlightByModel());
      out.writeArrayOfString("models", sorted.keySet().toArray(String[]::new));
      out.writeArrayOfInt32("modelInFlight", sorted.values().stream().mapToInt(Integer::intValue).toArray());
      // since WireVersion.V2_LEASE_AGE; written always: a reader that does not know a Compact field ignores it
      out.writeInt64("oldestLeaseSince", b.oldestLeaseSince());
    }

    @Override
    public String getTypeName() {
      return "corral.BackendLoad";
    }

    @Override
    public Class<BackendLoad> getCompactClass() {
      return BackendLoad.class;
    }
  }

  static final class LedgerSnapshotSerializer implements CompactSerializer<LedgerSnapshot> {
    @Override
    public LedgerSnapshot read(CompactReader in) {
      BackendLoad[] loads = in.readArrayOfCompact("backends", BackendLoad.class);
      Map<Integer, Integer> byPriority = new TreeMap<>();
      int[] priorities = in.readArrayOfInt32("priorities");
      int[] priorityDepths = in.readArrayOfInt32("priorityDepths");
      for (int i = 0; priorities != null && priorityDepths != null
          && i < Math.min(priorities.length, priorityDepths.length); i++) {
        byPriority.put(priorities[i], priorityDepths[i]);
      }
      return new LedgerSnapshot(loads == null ? List.of() : Arrays.asList(loads), in.readInt32("queueDepth"),
          byPriority, counts(in, "models", "modelDepths"), counts(in, "members", "memberLeases"),
          in.readInt64("nextSeq"), in.readString("incarnation"), in.readBoolean("rebuilding"));
    }

    private static Map<String, Integer> counts(CompactReader in, String keysField, String valuesField) {
      String[] keys = in.readArrayOfString(keysField);
      int[] values = in.readArrayOfInt32(valuesField);
      Map<String, Integer> out = new TreeMap<>();
      for (int i = 0; keys != null && values != null && i < Math.min(keys.length, values.length); i++) {
        out.put(keys[i], values[i]);
      }
      return out;
    }

    private static void counts(CompactWriter out, String keysField, String valuesField, Map<String, Integer> m) {
      TreeMap<String, Integer> sorted = new TreeMap<>(m);
      out.writeArrayOfString(keysField, sorted.keySet().toArray(String[]::new));
      out.writeArrayOfInt32(valuesField, sorted.values().stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public void write(CompactWriter out, LedgerSnapshot s) {
      out.writeArrayOfCompact("backends", s.backends().toArray(BackendLoad[]::new));
      out.writeInt32("queueDepth", s.queueDepth());
      TreeMap<Integer, Integer> byPriority = new TreeMap<>(s.depthByPriority());
      out.writeArrayOfInt32("priorities", byPriority.keySet().stream().mapToInt(Integer::intValue).toArray());
      out.writeArrayOfInt32("priorityDepths", byPriority.values().stream().mapToInt(Integer::intValue).toArray());
      counts(out, "models", "modelDepths", s.depthByModel());
      counts(out, "members", "memberLeases", s.leasesByMember());
      out.writeInt64("nextSeq", s.nextSeq());
      out.writeString("incarnation", s.incarnation());
      out.writeBoolean("rebuilding", s.rebuilding());
    }

    @Override
    public String getTypeName() {
      return "corral.LedgerSnapshot";
    }

    @Override
    public Class<LedgerSnapshot> getCompactClass() {
      return LedgerSnapshot.class;
    }
  }

  static final class BackendTimeoutsSerializer implements CompactSerializer<BackendTimeouts> {
    @Override
    public BackendTimeouts read(CompactReader in) {
      return new BackendTimeouts(in.readInt64("connectMillis"), in.readInt64("firstTokenMillis"),
          in.readInt64("idleMillis"));
    }

    @Override
    public void write(CompactWriter out, BackendTimeouts t) {
      out.writeInt64("connectMillis", t.connectMillis());
      out.writeInt64("firstTokenMillis", t.firstTokenMillis());
      out.writeInt64("idleMillis", t.idleMillis());
    }

    @Override
    public String getTypeName() {
      return "corral.BackendTimeouts";
    }

    @Override
    public Class<BackendTimeouts> getCompactClass() {
      return BackendTimeouts.class;
    }
  }

  static final class BackendStateSerializer implements CompactSerializer<BackendState> {
    @Override
    public BackendState read(CompactReader in) {
      BackendTimeouts timeouts = in.readCompact("timeouts");
      return new BackendState(in.readString("id"), named(BackendKind.class, in.readString("kind"),
          BackendKind.UNKNOWN), named(BackendHealth.class, in.readString("health"), BackendHealth.UNKNOWN),
          in.readString("version"), list(in.readArrayOfString("models")), list(in.readArrayOfString("loadedModels")),
          in.readInt32("slots"), in.readBoolean("slotsReported"), in.readInt64("updatedAtMillis"),
          in.readString("observedBy"), in.readString("lastError"),
          timeouts == null ? BackendTimeouts.DEFAULTS : timeouts, in.readInt32("modelSlots"),
          named(BackendOrigin.class, optString(in, "origin"), BackendOrigin.UNKNOWN),
          optBoolean(in, "forwardAuth"));
    }

    @Override
    public void write(CompactWriter out, BackendState b) {
      out.writeString("id", b.id());
      out.writeString("kind", b.kind().name());
      out.writeString("health", b.health().name());
      out.writeString("version", b.version());
      out.writeArrayOfString("models", strings(b.models()));
      out.writeArrayOfString("loadedModels", strings(b.loadedModels()));
      out.writeInt32("slots", b.slots());
      out.writeBoolean("slotsReported", b.slotsReported());
      out.writeInt64("updatedAtMillis", b.updatedAtMillis());
      out.writeString("observedBy", b.observedBy());
      out.writeString("lastError", b.lastError());
      out.writeCompact("timeouts", b.timeouts());
      out.writeInt32("modelSlots", b.modelSlots());
      out.writeString("origin", b.origin().name());
      out.writeBoolean("forwardAuth", b.forwardAuth());
    }

    @Override
    public String getTypeName() {
      return "corral.BackendState";
    }

    @Override
    public Class<BackendState> getCompactClass() {
      return BackendState.class;
    }
  }

  static final class OpenCircuitSerializer implements CompactSerializer<OpenCircuit> {
    @Override
    public OpenCircuit read(CompactReader in) {
      return new OpenCircuit(in.readString("openedBy"), in.readInt64("openedAtMillis"), in.readInt64("untilMillis"),
          in.readString("reason"));
    }

    @Override
    public void write(CompactWriter out, OpenCircuit c) {
      out.writeString("openedBy", c.openedBy());
      out.writeInt64("openedAtMillis", c.openedAtMillis());
      out.writeInt64("untilMillis", c.untilMillis());
      out.writeString("reason", c.reason());
    }

    @Override
    public String getTypeName() {
      return "corral.OpenCircuit";
    }

    @Override
    public Class<OpenCircuit> getCompactClass() {
      return OpenCircuit.class;
    }
  }

  static final class RegisteredAppSerializer implements CompactSerializer<RegisteredApp> {
    @Override
    public RegisteredApp read(CompactReader in) {
      return new RegisteredApp(in.readString("name"), in.readString("version"), in.readString("kind"),
          in.readString("dashboardUrl"), in.readString("member"), in.readInt64("registeredAtMillis"),
          in.readInt64("lastHeartbeatMillis"));
    }

    @Override
    public void write(CompactWriter out, RegisteredApp a) {
      out.writeString("name", a.name());
      out.writeString("version", a.version());
      out.writeString("kind", a.kind());
      out.writeString("dashboardUrl", a.dashboardUrl());
      out.writeString("member", a.member());
      out.writeInt64("registeredAtMillis", a.registeredAtMillis());
      out.writeInt64("lastHeartbeatMillis", a.lastHeartbeatMillis());
    }

    @Override
    public String getTypeName() {
      return "corral.RegisteredApp";
    }

    @Override
    public Class<RegisteredApp> getCompactClass() {
      return RegisteredApp.class;
    }
  }

  static final class ClusterEventSerializer implements CompactSerializer<ClusterEvent> {
    @Override
    public ClusterEvent read(CompactReader in) {
      return new ClusterEvent(in.readString("type"), in.readString("subject"), in.readString("detail"),
          in.readString("member"), in.readInt64("atMillis"));
    }

    @Override
    public void write(CompactWriter out, ClusterEvent e) {
      out.writeString("type", e.type());
      out.writeString("subject", e.subject());
      out.writeString("detail", e.detail());
      out.writeString("member", e.member());
      out.writeInt64("atMillis", e.atMillis());
    }

    @Override
    public String getTypeName() {
      return "corral.ClusterEvent";
    }

    @Override
    public Class<ClusterEvent> getCompactClass() {
      return ClusterEvent.class;
    }
  }
}
