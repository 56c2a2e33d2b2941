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
  /** The oldest until the first view of the members (nothing is sent before the member has joined). */
  private volatile int agreed = WireVersion.V1;

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
   * Takes the members as they are now. Called once the member has joined: Hazelcast tells listeners of the members
   * that were there before it asynchronously, and until then the listener has seen only this member.
   */
  public void follow(Cluster cluster) {
    follow(cluster.getMembers());
  }

  @Override
  public void init(InitialMembershipEvent event) {
    follow(event.getMembers());
  }

  @Override
  public void memberAdded(MembershipEvent event) {
    follow(event.getMembers());
  }

  @Override
  public void memberRemoved(MembershipEvent event) {
    follow(event.getMembers());
  }

  private synchronized void follow(Collection<Member> members) {
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
