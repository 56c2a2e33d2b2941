package io.corral.cluster.wire;

import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.InitialMembershipEvent;
import com.hazelcast.cluster.InitialMembershipListener;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.config.Config;
import com.hazelcast.config.ListenerConfig;
import com.hazelcast.core.HazelcastInstance;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which wire version the cluster uses: the newest one every current member speaks. A member advertises the version
 * it speaks as the member attribute {@value WireVersion#MEMBER_ATTRIBUTE}; the gate follows membership, so during a
 * rolling upgrade the new build keeps writing what the old one reads, and uses its new fields and operations from
 * the moment the last old member has left. A member of an older build that joins later lowers it again (what was
 * written in the newer version stays readable to it: {@link WireFrame} skips fields it does not know).
 *
 * <p>One per member, in its Hazelcast user context ({@link #of}); thread-safe ({@link #agreed()} is a volatile read
 * on the request path).
 */
public final class VersionGate implements InitialMembershipListener {

  private static final Logger log = LoggerFactory.getLogger(VersionGate.class);
  private static final String CONTEXT_KEY = "corral.versionGate";

  private final int spoken;
  /** The oldest until the member has joined and sees the others. */
  private volatile int agreed = WireVersion.V1;
  /** Set once the member has joined ({@link #follow(Cluster)}); guarded by this object's lock. */
  private Cluster cluster;

  public VersionGate(int spoken) {
    this.spoken = WireVersion.checked(spoken);
  }

  private VersionGate(int spoken, int agreed) {
    this(spoken);
    this.agreed = agreed;
  }

  /** Advertises {@code gate}'s version in {@code c} and lets it follow membership from the member's start. */
  public static void install(Config c, VersionGate gate) {
    c.getMemberAttributeConfig().setAttribute(WireVersion.MEMBER_ATTRIBUTE, Integer.toString(gate.spoken));
    c.getUserContext().put(CONTEXT_KEY, gate);
    c.addListenerConfig(new ListenerConfig(gate));
  }

  /** The member's gate; a member configured without one speaks and uses this build's version. */
  public static VersionGate of(HazelcastInstance hazelcast) {
    Object gate = hazelcast.getUserContext().get(CONTEXT_KEY);
    return gate instanceof VersionGate g ? g : new VersionGate(WireVersion.CURRENT, WireVersion.CURRENT);
  }

  /** The newest version this member speaks. */
  public int spoken() {
    return spoken;
  }

  /** The version to write in now: the newest every member speaks. */
  public int agreed() {
    return agreed;
  }

  /** Whether the fields and operations of {@code version} may be used now. */
  public boolean allows(int version) {
    return agreed >= version;
  }

  /** The version {@code m} speaks, from its attribute; a member without one (or with junk) counts as the first. */
  public static int spokenBy(Member m) {
    String attr = m.getAttribute(WireVersion.MEMBER_ATTRIBUTE);
    if (attr == null) {
      return WireVersion.V1;
    }
    try {
      return Math.max(WireVersion.V1, Integer.parseInt(attr.trim()));
    } catch (NumberFormatException junk) {
      return WireVersion.V1;
    }
  }

  /**
   * Starts following {@code cluster}: called once the member has joined. Hazelcast calls the listener's
   * {@code init} before the join, with this member alone, and tells it of earlier members asynchronously; so every
   * callback recomputes from the cluster's live member list (under this object's lock), never from the list an event
   * carried, which may be older than one already seen.
   */
  public synchronized void follow(Cluster cluster) {
    this.cluster = cluster;
    recompute(cluster.getMembers());
  }

  @Override
  public void init(InitialMembershipEvent event) {
    membersChanged();
  }

  @Override
  public void memberAdded(MembershipEvent event) {
    membersChanged();
  }

  @Override
  public void memberRemoved(MembershipEvent event) {
    membersChanged();
  }

  /** Before the join there is no cluster to ask and the member sends nothing: it keeps assuming the oldest. */
  private synchronized void membersChanged() {
    if (cluster != null) {
      recompute(cluster.getMembers());
    }
  }

  private void recompute(Collection<Member> members) {
    int min = spoken;
    for (Member m : members) {
      min = Math.min(min, spokenBy(m));
    }
    if (min != agreed) {
      log.info("event=wire_version agreed={} was={} spoken={} members={}", min, agreed, spoken, members.size());
      agreed = min;
    }
  }
}
