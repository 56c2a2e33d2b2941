package io.corral.cluster;

import io.corral.cluster.trust.ClusterTrust;
import io.corral.cluster.wire.WireVersion;
import java.util.List;
import java.util.Objects;

/**
 * How a corral member joins its Hazelcast cluster. Defaults keep every packet on loopback: tcp-ip join,
 * multicast off, phone-home off, bound to the configured interface only.
 *
 * @param clusterName      deployments with different names never merge
 * @param bindHost         the interface Hazelcast binds to (and advertises unless {@code advertiseHost} is set)
 * @param advertiseHost    the address other members use to reach this one; null means {@code bindHost}
 * @param port             first Hazelcast port to try
 * @param portCount        how many ports from {@code port} up to try when it is taken
 * @param members          tcp-ip join list, {@code host:port} each; empty means "127.0.0.1 members only"
 * @param multicast        opt-in multicast discovery (off by default: it leaves loopback)
 * @param partitionCount   Hazelcast partitions; small values (e.g. 31) keep tests fast
 * @param heartbeatSeconds heartbeat interval
 * @param maxNoHeartbeatSeconds how long a silent (frozen) member is kept before it is removed
 * @param mergeDelaySeconds first and next split-brain merge run; members started at the same moment that formed
 *                          separate clusters merge after this delay (Hazelcast's default is 300 s)
 * @param minClusterSize    split-brain protection of the slot ledger: with fewer members visible, this side
 *                          refuses to grant (1 = off; see docs/operations.md for the trade-off)
 * @param ledgerBackups     synchronous backup copies of the slot ledger (1 by default: it survives any one member
 *                          crash; 0 only to test what happens when the ledger is lost)
 * @param trust             who may join: holders of the cluster secret (and from the allowed ranges); without a
 *                          secret the cluster must stay on loopback unless the operator accepted the risk
 * @param wireVersion       the newest member-to-member format this member speaks and advertises
 *                          ({@link WireVersion#CURRENT} unless an upgrade is being rehearsed)
 */
public record ClusterSettings(
    String clusterName,
    String bindHost,
    String advertiseHost,
    int port,
    int portCount,
    List<String> members,
    boolean multicast,
    int partitionCount,
    int heartbeatSeconds,
    int maxNoHeartbeatSeconds,
    int mergeDelaySeconds,
    int minClusterSize,
    int ledgerBackups,
    ClusterTrust trust,
    int wireVersion) {

  public static final String DEFAULT_CLUSTER_NAME = "corral";
  public static final int DEFAULT_PORT = 5701;

  public ClusterSettings {
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(bindHost, "bindHost");
    if (clusterName.isBlank()) {
      throw new IllegalArgumentException("cluster name must not be blank");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("hazelcast port must be 1-65535, got " + port);
    }
    if (portCount < 1) {
      throw new IllegalArgumentException("portCount must be >= 1, got " + portCount);
    }
    members = List.copyOf(members == null ? List.of() : members);
    for (String m : members) {
      HostPort.parse(m, DEFAULT_PORT); // validates
    }
    if (partitionCount < 1) {
      throw new IllegalArgumentException("partitionCount must be >= 1");
    }
    if (heartbeatSeconds < 1 || maxNoHeartbeatSeconds <= heartbeatSeconds) {
      throw new IllegalArgumentException("need 1 <= heartbeatSeconds < maxNoHeartbeatSeconds");
    }
    if (mergeDelaySeconds < 1) {
      throw new IllegalArgumentException("mergeDelaySeconds must be >= 1");
    }
    if (minClusterSize < 1) {
      throw new IllegalArgumentException("minClusterSize must be >= 1");
    }
    if (ledgerBackups < 0 || ledgerBackups > 6) {
      throw new IllegalArgumentException("ledgerBackups must be 0-6, got " + ledgerBackups);
    }
    Objects.requireNonNull(trust, "trust");
    WireVersion.checked(wireVersion);
  }

  /** Loopback-only defaults: the ones {@code corral start} uses without flags. */
  public static ClusterSettings loopbackDefaults() {
    return new ClusterSettings(DEFAULT_CLUSTER_NAME, "127.0.0.1", null, DEFAULT_PORT, 20, List.of(), false, 271, 1,
        10, 5, 1, 1, ClusterTrust.none(), WireVersion.CURRENT);
  }

  /** Settings for a test cluster: its own name, ephemeral-ish ports, few partitions, fast failure detection. */
  public static ClusterSettings forTests(String clusterName, int port, List<String> members) {
    return new ClusterSettings(clusterName, "127.0.0.1", null, port, 50, members, false, 31, 1, 5, 2, 1, 1,
        ClusterTrust.none(), WireVersion.CURRENT);
  }

  /** The Hazelcast cluster name members use: derived from the secret when there is one. */
  public String effectiveClusterName() {
    return trust.clusterName(clusterName);
  }

  public String advertisedHost() {
    return advertiseHost == null || advertiseHost.isBlank() ? bindHost : advertiseHost;
  }

  public ClusterSettings withMembers(List<String> newMembers) {
    return new ClusterSettings(clusterName, bindHost, advertiseHost, port, portCount, newMembers, multicast,
        partitionCount, heartbeatSeconds, maxNoHeartbeatSeconds, mergeDelaySeconds, minClusterSize, ledgerBackups, trust,
        wireVersion);
  }

  public ClusterSettings withMinClusterSize(int size) {
    return new ClusterSettings(clusterName, bindHost, advertiseHost, port, portCount, members, multicast,
        partitionCount, heartbeatSeconds, maxNoHeartbeatSeconds, mergeDelaySeconds, size, ledgerBackups, trust,
        wireVersion);
  }

  public ClusterSettings withLedgerBackups(int backups) {
    return new ClusterSettings(clusterName, bindHost, advertiseHost, port, portCount, members, multicast,
        partitionCount, heartbeatSeconds, maxNoHeartbeatSeconds, mergeDelaySeconds, minClusterSize, backups, trust,
        wireVersion);
  }

  public ClusterSettings withTrust(ClusterTrust newTrust) {
    return new ClusterSettings(clusterName, bindHost, advertiseHost, port, portCount, members, multicast,
        partitionCount, heartbeatSeconds, maxNoHeartbeatSeconds, mergeDelaySeconds, minClusterSize, ledgerBackups,
        newTrust, wireVersion);
  }

  /** The same settings, speaking at most {@code version} (an upgrade rehearsal, or a test of two builds). */
  public ClusterSettings withWireVersion(int version) {
    return new ClusterSettings(clusterName, bindHost, advertiseHost, port, portCount, members, multicast,
        partitionCount, heartbeatSeconds, maxNoHeartbeatSeconds, mergeDelaySeconds, minClusterSize, ledgerBackups,
        trust, version);
  }
}
