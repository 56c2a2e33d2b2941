package io.corral.cluster;

import com.hazelcast.config.AdvancedNetworkConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.ServerSocketEndpointConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.config.TcpIpConfig;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import io.corral.cluster.apps.AppRegistry;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.events.EventStream;
import io.corral.cluster.ledger.GrantNotifier;
import io.corral.cluster.ledger.LedgerSerialization;
import io.corral.cluster.trust.NoticeSigner;
import io.corral.cluster.wire.VersionGate;
import io.corral.cluster.ledger.SlotLedger;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the Hazelcast {@link Config} of a corral member. Everything that keeps the member on the configured
 * interface lives here: tcp-ip join, multicast and auto-detection off unless asked for, phone-home off,
 * no bind-any. Advanced networking with a member endpoint only: Hazelcast's client protocol (and REST and
 * memcache) is not served at all, so the only way in is as a member, through corral's handshake when the cluster
 * has a secret ({@link io.corral.cluster.trust.TrustedMembers}).
 */
final class MemberConfigFactory {

  /** Member attribute carrying the member's public API base URL. */
  static final String ATTR_API_URL = "corral.api";
  /** Member attribute carrying the wall-clock start time in epoch millis (for display only). */
  static final String ATTR_STARTED = "corral.started";
  /** Member attribute carrying a human name for the member (e.g. its API host:port). */
  static final String ATTR_NAME = "corral.name";

  static final String LEDGER_PROTECTION = "corral-ledger-min-size";

  private static final int CONNECT_TIMEOUT_SECONDS = 10;

  /** How many ports of the default join list we probe when no {@code --join} list is given. */
  private static final int DEFAULT_JOIN_SPAN = 10;

  private MemberConfigFactory() {}

  static Config build(ClusterSettings s, MemberIdentity identity) {
    return build(s, identity, List.of());
  }

  static Config build(ClusterSettings s, MemberIdentity identity, List<CompactSerializer<?>> moreSerializers) {
    Config c = new Config();
    c.setClusterName(s.effectiveClusterName());
    c.setInstanceName("corral-" + identity.name().replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + System.nanoTime());
    c.setProperty("hazelcast.phone.home.enabled", "false");
    c.setProperty("hazelcast.socket.bind.any", "false");
    c.setProperty("hazelcast.logging.type", "slf4j");
    c.setProperty("hazelcast.shutdownhook.enabled", "false");
    // answers to our calls are handled on the IO thread that read them, not handed to a response thread: one
    // thread hop less on every ledger call (the grant path has several), and the work is tiny
    c.setProperty("hazelcast.operation.response.thread.count", "0");
    c.setProperty("hazelcast.partition.count", Integer.toString(s.partitionCount()));
    c.setProperty("hazelcast.heartbeat.interval.seconds", Integer.toString(s.heartbeatSeconds()));
    c.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(s.maxNoHeartbeatSeconds()));
    // Members started at the same instant can form separate clusters; they merge on the first run of the
    // split-brain handler, which waits 300 s by default.
    c.setProperty("hazelcast.merge.first.run.delay.seconds", Integer.toString(s.mergeDelaySeconds()));
    c.setProperty("hazelcast.merge.next.run.delay.seconds", Integer.toString(s.mergeDelaySeconds()));
    // The join phase waits this long for other members before a lone member declares itself master.
    c.setProperty("hazelcast.wait.seconds.before.join", "1");
    c.setProperty("hazelcast.local.localAddress", s.bindHost());

    AdvancedNetworkConfig net = c.getAdvancedNetworkConfig().setEnabled(true);
    ServerSocketEndpointConfig members = new ServerSocketEndpointConfig();
    members.setPort(s.port()).setPortAutoIncrement(s.portCount() > 1).setPortCount(s.portCount());
    // advanced endpoints default to no connect timeout at all; the classic network's default is 10 s
    members.setSocketConnectTimeoutSeconds(CONNECT_TIMEOUT_SECONDS);
    if (s.advertiseHost() != null && !s.advertiseHost().isBlank()) {
      members.setPublicAddress(s.advertiseHost());
    }
    members.getInterfaces().setEnabled(true).addInterface(s.bindHost());
    net.setMemberEndpointConfig(members);

    JoinConfig join = net.getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(s.multicast());
    join.getKubernetesConfig().setEnabled(false);
    TcpIpConfig tcp = join.getTcpIpConfig().setEnabled(!s.multicast());
    for (String member : joinList(s)) {
      tcp.addMember(member);
    }

    s.trust().secretIfAny().ifPresent(secret ->
        c.getUserContext().put(GrantNotifier.SIGNER_CONTEXT_KEY, new NoticeSigner(secret)));

    c.getMemberAttributeConfig().setAttribute(ATTR_API_URL, identity.apiUrl());
    c.getMemberAttributeConfig().setAttribute(ATTR_NAME, identity.name());
    c.getMemberAttributeConfig().setAttribute(ATTR_STARTED, Long.toString(identity.startedAtMillis()));
    VersionGate.install(c, new VersionGate(s.wireVersion()));

    c.addMapConfig(new MapConfig(BackendRegistry.MAP_NAME).setBackupCount(1));
    c.getSerializationConfig().addDataSerializableFactory(LedgerSerialization.FACTORY_ID, new LedgerSerialization());
    AppRegistry.configure(c);
    SharedValueSerializers.register(c, moreSerializers);
    c.getSerializationConfig().setJavaSerializationFilterConfig(javaSerializationFilter());
    // OBJECT: the ledger is changed in place by entry processors on every request; no deserialize per operation
    MapConfig ledger = new MapConfig(SlotLedger.MAP_NAME).setInMemoryFormat(InMemoryFormat.OBJECT)
        .setBackupCount(s.ledgerBackups());
    if (s.minClusterSize() > 1) {
      c.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(LEDGER_PROTECTION, true, s.minClusterSize()));
      ledger.setSplitBrainProtectionName(LEDGER_PROTECTION);
    }
    c.addMapConfig(ledger);
    EventStream.configure(c);
    return c;
  }

  /**
   * Nothing of corral's crosses members by Java serialization (its values are Compact or identified). Hazelcast
   * still sends its own exceptions that way, so the filter allows Hazelcast's and the JDK's classes (its default
   * list) and nothing else; within the JDK, the packages known for deserialization gadgets are refused outright.
   */
  static JavaSerializationFilterConfig javaSerializationFilter() {
    JavaSerializationFilterConfig f = new JavaSerializationFilterConfig().setDefaultsDisabled(false);
    f.getBlacklist().addPrefixes("java.rmi.", "javax.management.", "javax.naming.", "com.sun.", "sun.",
        "jdk.internal.");
    return f;
  }

  /**
   * The tcp-ip member list. Hazelcast rejects port ranges when interfaces are enabled, so each port is listed.
   * Without a {@code --join} list the member looks for peers on 127.0.0.1 only.
   */
  static List<String> joinList(ClusterSettings s) {
    List<String> out = new ArrayList<>();
    if (s.members().isEmpty()) {
      for (int i = 0; i < DEFAULT_JOIN_SPAN; i++) {
        out.add(new HostPort("127.0.0.1", ClusterSettings.DEFAULT_PORT + i).toString());
      }
      if (s.port() != ClusterSettings.DEFAULT_PORT) {
        for (int i = 0; i < Math.min(DEFAULT_JOIN_SPAN, s.portCount()); i++) {
          out.add(new HostPort("127.0.0.1", s.port() + i).toString());
        }
      }
    } else {
      for (String m : s.members()) {
        out.add(HostPort.parse(m, ClusterSettings.DEFAULT_PORT).toString());
      }
    }
    return out.stream().distinct().toList();
  }
}
