package io.corral.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import io.corral.cluster.leader.LeaderElection;
import io.corral.cluster.ledger.GrantNotifier;
import io.corral.cluster.trust.NoticeSigner;
import io.corral.cluster.trust.TrustedMembers;
import io.corral.cluster.wire.VersionGate;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One embedded Hazelcast member of a corral cluster: owns the {@link HazelcastInstance}, the identity other
 * members see, and the leader election. Starting blocks (Hazelcast joins synchronously); call it off the
 * event loop. The accessors are cheap local reads and safe from any thread.
 */
public final class CorralMember implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(CorralMember.class);

  private final HazelcastInstance hazelcast;
  private final LeaderElection leaderElection;
  private final ClusterSettings settings;

  private CorralMember(HazelcastInstance hazelcast, ClusterSettings settings) {
    this.hazelcast = hazelcast;
    this.settings = settings;
    this.leaderElection = new LeaderElection(hazelcast.getCluster());
  }

  /**
   * Starts a member and joins (or forms) the cluster named in {@code settings}. Blocking.
   *
   * @throws IllegalStateException when the settings would open the cluster to the network without a secret (the
   *                               message says how to fix it), or the member handshake cannot be installed
   */
  public static CorralMember start(ClusterSettings settings, MemberIdentity identity) {
    return start(settings, identity, List.of());
  }

  /**
   * As {@link #start(ClusterSettings, MemberIdentity)}, with the serializers of values that other modules share
   * through the cluster (discovery's), registered with cluster-state's own.
   */
  public static CorralMember start(ClusterSettings settings, MemberIdentity identity,
      List<CompactSerializer<?>> moreSerializers) {
    settings.trust().checkExposure(settings.bindHost(), settings.multicast());
    HazelcastInstance hz = TrustedMembers.start(MemberConfigFactory.build(settings, identity, moreSerializers),
        settings.trust(), InstantSource.system());
    VersionGate.of(hz).follow(hz.getCluster());
    CorralMember member = new CorralMember(hz, settings);
    log.info("event=cluster_joined cluster={} member={} address={} members={} leader={} secret={} member_allow={}",
        settings.effectiveClusterName(), member.localId(), hz.getCluster().getLocalMember().getAddress(),
        hz.getCluster().getMembers().size(), member.leaderElection.isLeader(),
        settings.trust().secured() ? "checked on every member connection" : "none",
        settings.trust().memberAllow());
    return member;
  }

  /** Which member-to-member format version this member speaks, and which the cluster uses now. */
  public VersionGate versionGate() {
    return VersionGate.of(hazelcast);
  }

  /** Signs and checks direct grant notices; empty when the cluster has no secret (then none are sent). */
  public Optional<NoticeSigner> noticeSigner() {
    return Optional.ofNullable(GrantNotifier.signerOf(hazelcast));
  }

  /** Whether every member connection must prove the cluster secret. */
  public boolean checksSecret() {
    return TrustedMembers.checksSecret(hazelcast);
  }

  /** Member connections refused (or given up) since start because the peer did not prove the secret. */
  public long refusedConnections() {
    return TrustedMembers.refusedConnections(hazelcast);
  }

  public HazelcastInstance hazelcast() {
    return hazelcast;
  }

  public ClusterSettings settings() {
    return settings;
  }

  public LeaderElection leaderElection() {
    return leaderElection;
  }

  public UUID localId() {
    return hazelcast.getCluster().getLocalMember().getUuid();
  }

  public boolean isRunning() {
    return hazelcast.getLifecycleService().isRunning();
  }

  /** Every member in join order (oldest first), with its leader and self flags. */
  public List<MemberView> members() {
    Member local = hazelcast.getCluster().getLocalMember();
    List<MemberView> out = new ArrayList<>();
    UUID leader = leaderElection.leaderId();
    for (Member m : hazelcast.getCluster().getMembers()) {
      out.add(view(m, m.getUuid().equals(leader), m.getUuid().equals(local.getUuid())));
    }
    return out;
  }

  /** The member that answers, as its peers see it. */
  public MemberView self() {
    Member local = hazelcast.getCluster().getLocalMember();
    return view(local, leaderElection.isLeader(), true);
  }

  /** How {@code m} (a current or just departed member) presents itself; neither leader nor self. */
  public static MemberView describe(Member m) {
    return view(m, false, false);
  }

  static MemberView view(Member m, boolean leader, boolean self) {
    long started = 0;
    String startedAttr = m.getAttribute(MemberConfigFactory.ATTR_STARTED);
    if (startedAttr != null) {
      try {
        started = Long.parseLong(startedAttr);
      } catch (NumberFormatException ignored) {
        // display only
      }
    }
    String address = m.getAddress().getHost() + ":" + m.getAddress().getPort();
    return new MemberView(m.getUuid().toString(), address, m.getAttribute(MemberConfigFactory.ATTR_NAME),
        m.getAttribute(MemberConfigFactory.ATTR_API_URL), started, leader, self, VersionGate.spokenBy(m));
  }

  /** Leaves the cluster gracefully (partitions migrate first). Blocking. */
  public void shutdown() {
    if (hazelcast.getLifecycleService().isRunning()) {
      // the notifier lives in the instance's user context, which is gone once the instance is
      GrantNotifier.shutdown(hazelcast);
      hazelcast.shutdown();
    }
  }

  /** Leaves abruptly, as a crash would (no migration). Blocking. For tests and chaos runs. */
  public void terminate() {
    if (hazelcast.getLifecycleService().isRunning()) {
      GrantNotifier.shutdown(hazelcast);
    }
    hazelcast.getLifecycleService().terminate();
  }

  @Override
  public void close() {
    shutdown();
  }
}
