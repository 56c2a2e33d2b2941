package io.corral.dashboard;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.corral.cluster.CorralMember;
import io.corral.cluster.MemberView;
import io.corral.cluster.events.EventStream;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Publishes {@code member_joined}, {@code member_left} and {@code leader_changed} on the event stream. Every
 * member sees these changes; only the leader (as it is right after the change) publishes them, so each appears
 * once. When the leader itself leaves, the member that takes over reports both its departure and its own
 * leadership.
 *
 * <p>Thread-safety: callbacks run on Hazelcast event threads; publishing never blocks.
 */
final class MembershipEvents implements AutoCloseable {

  private final CorralMember member;
  private final EventStream events;
  /** Names of the members seen, so a leader change can name a leader that is already gone. */
  private final Map<UUID, String> names = new ConcurrentHashMap<>();
  private UUID registration;

  MembershipEvents(CorralMember member, EventStream events) {
    this.member = member;
    this.events = events;
  }

  MembershipEvents start() {
    for (com.hazelcast.cluster.Member m : member.hazelcast().getCluster().getMembers()) {
      names.put(m.getUuid(), nameOf(m));
    }
    registration = member.hazelcast().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        names.put(e.getMember().getUuid(), nameOf(e.getMember()));
        if (member.leaderElection().isLeader()) {
          MemberView v = CorralMember.describe(e.getMember());
          events.publish("member_joined", v.apiUrl(), name(v) + " joined (" + e.getMembers().size()
              + " members)");
        }
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        if (member.leaderElection().isLeader()) {
          MemberView v = CorralMember.describe(e.getMember());
          events.publish("member_left", v.apiUrl(), name(v) + " left (" + e.getMembers().size() + " members)");
        }
      }
    });
    member.leaderElection().onChange(change -> {
      if (change.self()) {
        String previous = change.previous() == null ? "none"
            : names.getOrDefault(change.previous(), change.previous().toString());
        events.publish("leader_changed", member.self().apiUrl(), member.self().name() + " now leads (previous "
            + "leader " + previous + ")");
      }
    });
    return this;
  }

  private static String name(MemberView v) {
    return v.name() == null ? v.address() : v.name();
  }

  static String nameOf(Member m) {
    return name(CorralMember.describe(m));
  }

  @Override
  public void close() {
    if (registration != null) {
      try {
        member.hazelcast().getCluster().removeMembershipListener(registration);
      } catch (RuntimeException ignored) {
        // the instance may already be gone
      }
    }
  }
}
