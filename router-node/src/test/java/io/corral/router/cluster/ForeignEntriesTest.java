package io.corral.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.impl.HeapData;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.DataSerializable;
import com.hazelcast.nio.serialization.genericrecord.GenericRecordBuilder;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import io.corral.cluster.apps.AppRegistry;
import io.corral.cluster.backends.BackendOverrides;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.OpenCircuits;
import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Values of unexpected types in the shared maps (issue 16's attack: an object of a class the members do not have, put
 * into corral.backends, stopped a restarting member). Put here through a test-only back door, a member that holds the
 * secret: nothing is deserialized that the filter does not allow, every bad entry is skipped on its own, and members
 * start and route as before.
 */
class ForeignEntriesTest {

  /** Set when Java deserialization ran this class's code; it must never be. */
  static final AtomicBoolean GADGET_READ = new AtomicBoolean();

  /** Stands for a deserialization gadget: a Serializable class that is not corral's. */
  static final class Gadget implements Serializable {
    private static final long serialVersionUID = 1L;
    final String payload = "touch /tmp/owned";

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      GADGET_READ.set(true);
      in.defaultReadObject();
    }
  }

  /** A DataSerializable that is not identified: read back by class name (renamed below to one nobody has). */
  public static final class Ghost implements DataSerializable {
    public Ghost() {}

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
      out.writeString("boo");
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
      in.readString();
    }
  }

  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  /** A Ghost whose class name is changed to one no member has: reading it must fail by class name. */
  static Data unknownDataSerializable(HazelcastInstance hz) {
    byte[] bytes = ((SerializationServiceSupport) hz).getSerializationService().toData(new Ghost()).toByteArray();
    byte[] name = Ghost.class.getName().getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i + name.length <= bytes.length; i++) {
      boolean match = true;
      for (int j = 0; j < name.length && match; j++) {
        match = bytes[i + j] == name[j];
      }
      if (match) {
        bytes[i + name.length - 1] = 'X';
        return new HeapData(bytes);
      }
    }
    throw new AssertionError("class name not found in the serialized form");
  }

  private static void plantForeignEntries(HazelcastInstance hz) {
    Object compactOfAnUnknownType = GenericRecordBuilder.compact("io.evil.Thing").setString("x", "y").build();
    for (String mapName : List.of(BackendRegistry.MAP_NAME, BackendOverrides.ADDED_MAP, BackendOverrides.DRAINED_MAP,
        OpenCircuits.MAP_NAME, AppRegistry.MAP_NAME)) {
      IMap<String, Object> map = hz.getMap(mapName);
      map.set("evil-java", new Gadget());
      map.set("evil-dataserializable", unknownDataSerializable(hz));
      map.set("evil-compact", compactOfAnUnknownType);
      map.set("wrong-type", 42L);
    }
  }

  static HttpResponse<String> generate(RouterNode n) throws Exception {
    return Http.CLIENT.send(HttpRequest.newBuilder(URI.create(n.apiUrl() + "/api/generate"))
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"llama3\",\"prompt\":\"hi\",\"stream\":false}")).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void foreignEntriesAreSkippedOneByOneAndMembersStillStartAndRoute() throws Exception {
    SimulatedBackend sim = cluster.sim(SimBackendOptions.ollama("llama3"));
    RouterNode a = cluster.member(List.of(sim.url()));
    await().atMost(Duration.ofSeconds(10)).until(() -> a.backends().all().stream().anyMatch(x -> x.isUp()));

    // members that are running hear of the foreign entries through their listeners
    plantForeignEntries(a.member().hazelcast());
    assertThat(generate(a).statusCode()).isEqualTo(200);

    // a member that starts now reads them all at start
    RouterNode b = cluster.member(List.of(sim.url()));
    await().atMost(Duration.ofSeconds(10)).until(() -> b.backends().all().stream().anyMatch(x -> x.isUp()));
    assertThat(b.backends().all()).extracting(s -> s.id()).containsExactly(sim.url());
    assertThat(generate(b).statusCode()).isEqualTo(200);
    assertThat(generate(a).statusCode()).isEqualTo(200);
    assertThat(GADGET_READ).as("a Java-serialized class outside the filter's list was deserialized").isFalse();
  }
}
