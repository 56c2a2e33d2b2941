package io.corral.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.serialization.genericrecord.GenericRecord;
import com.hazelcast.nio.serialization.genericrecord.GenericRecordBuilder;
import com.hazelcast.spi.impl.SerializationServiceSupport;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every value cluster-state shares reads back as it was written, through a member's own serialization (the explicit
 * Compact serializers, not reflection), and a value written by a later build with a field this one does not know,
 * or an enum value it does not know, still reads.
 */
class SharedValuesWireTest {

  static CorralMember member;
  static SerializationService serialization;

  @BeforeAll
  static void start() {
    member = TestClusters.start(1).get(0);
    serialization = ((SerializationServiceSupport) member.hazelcast()).getSerializationService();
  }

  @AfterAll
  static void stop() {
    member.terminate();
  }

  private static <T> T roundTrip(T value) {
    Data data = serialization.toData(value);
    return serialization.toObject(data);
  }

  @Test
  void everySharedValueReadsBackAsWritten() {
    Grant grant = new Grant("t-1", "m-1", "http://127.0.0.1:11434", "127.0.0.1:5701");
    BackendState backend = new BackendState("http://127.0.0.1:11434", BackendKind.OLLAMA, BackendHealth.UP, "0.12.6",
        List.of("llama3:latest", "qwen2.5:0.5b"), List.of("llama3:latest"), 4, true, 1234L, "m-1", "",
        new BackendTimeouts(1000, 2000, 3000), 2, BackendOrigin.ADMIN, true);
    LedgerSnapshot snapshot = new LedgerSnapshot(List.of(new BackendLoad("b1", 2, true, 1, 1, Map.of("llama3", 1), 1234L),
        new BackendLoad("b2", 4, false, 0)), 3, Map.of(5, 2, 9, 1), Map.of("llama3", 3), Map.of("m-1", 1), 42,
        "inc-1", true);
    List<Object> values = List.of(grant,
        new AcquireResult(AcquireResult.Outcome.QUEUED, "", 2, "", 17),
        new ReleaseResult(ReleaseResult.Outcome.RELEASED, List.of(grant, new Grant("t-2", "m-2", "b"))),
        new MemberHoldings(List.of(grant), List.of("t-3"), "inc-1", true, true),
        snapshot, backend,
        new OpenCircuit("m-1", 10, 20, "5 of 10 failed"),
        new RegisteredApp("chat", "1.2", "ui", "http://127.0.0.1:3000", "m-1", 100, 200),
        new ClusterEvent("backend_state", "b1", "up", "m-1", 300),
        new BackendTimeouts(1000, 2000, 3000), snapshot.backends().get(0));
    for (Object v : values) {
      assertThat(roundTrip(v)).as(v.getClass().getSimpleName()).isEqualTo(v);
    }
    // every serializer this module registers has its value above
    assertThat(values.stream().map(Object::getClass).distinct().toList()).containsExactlyInAnyOrderElementsOf(
        SharedValueSerializers.all().stream().map(s -> (Class<?>) s.getCompactClass()).toList());
  }

  @Test
  void aValueFromALaterBuildWithAFieldOrAKindThisOneDoesNotKnowStillReads() {
    GenericRecord later = GenericRecordBuilder.compact("corral.BackendState")
        .setString("id", "http://127.0.0.1:8080").setString("kind", "tpu-server").setString("health", "UP")
        .setString("version", "b9999").setArrayOfString("models", new String[] {"m"})
        .setArrayOfString("loadedModels", new String[0]).setInt32("slots", 8).setBoolean("slotsReported", true)
        .setInt64("updatedAtMillis", 5).setString("observedBy", "m-9").setString("lastError", "")
        .setGenericRecord("timeouts", null).setInt32("modelSlots", 0)
        .setString("somethingNew", "ignored by this build").build();
    IMap<String, Object> map = member.hazelcast().getMap("wire-test-" + System.nanoTime());
    map.set("b", later);
    Object read = map.get("b");
    assertThat(read).isInstanceOf(BackendState.class);
    BackendState b = (BackendState) read;
    assertThat(b.kind()).isEqualTo(BackendKind.UNKNOWN);
    assertThat(b.slots()).isEqualTo(8);
    assertThat(b.timeouts()).isEqualTo(BackendTimeouts.DEFAULTS);
    // written before origins were kept: treated like a runtime backend, checked on every connect
    assertThat(b.origin()).isEqualTo(BackendOrigin.UNKNOWN);
    assertThat(b.forwardAuth()).isFalse();
  }
}
