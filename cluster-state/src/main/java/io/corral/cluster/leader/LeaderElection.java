package io.corral.cluster.leader;

import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader is the oldest member of Hazelcast's member list. Every member holds the same ordered list, so all
 * agree without a vote; when the leader leaves, the next oldest leads as soon as the membership change is seen
 * (about 0.5 s after a process crash, the heartbeat timeout for a frozen one). The community edition has no CP
 * subsystem, so this deliberately does not use FencedLock.
 *
 * <p>Thread-safety: all methods are safe from any thread; listeners run on Hazelcast's event threads and must
 * not block.
 */
public final class LeaderElection {

  private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);

  private final Cluster cluster;
  private final List<Consumer<LeaderChange>> listeners = new CopyOnWriteArrayList<>();
  private volatile UUID lastLeader;

  public LeaderElection(Cluster cluster) {
    this.cluster = Objects.requireNonNull(cluster);
    this.lastLeader = leaderId();
    cluster.addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        recheck();
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        recheck();
      }
    });
    // a listener registered after a change would miss it: re-read once
    recheck();
  }

  /** The current leader's member UUID (the oldest member). */
  public UUID leaderId() {
    Iterator<Member> it = cluster.getMembers().iterator();
    return it.hasNext() ? it.next().getUuid() : cluster.getLocalMember().getUuid();
  }

  public boolean isLeader() {
    return cluster.getLocalMember().getUuid().equals(leaderId());
  }

  /** Called with each change of leader as this member observes it. */
  public void onChange(Consumer<LeaderChange> listener) {
    listeners.add(listener);
  }

  private synchronized void recheck() {
    UUID now = leaderId();
    UUID before = lastLeader;
    if (!now.equals(before)) {
      lastLeader = now;
      boolean self = now.equals(cluster.getLocalMember().getUuid());
      log.info("event=leader_changed previous={} leader={} self={}", before, now, self);
      LeaderChange change = new LeaderChange(before, now, self);
      for (Consumer<LeaderChange> l : listeners) {
        try {
          l.accept(change);
        } catch (RuntimeException ex) {
          log.warn("event=leader_listener_failed error={}", ex.toString(), ex);
        }
      }
    }
  }

  /**
   * A change of leader.
   *
   * @param previous the former leader (null on the first observation)
   * @param leader   the new leader
   * @param self     whether the observing member is now the leader
   */
  public record LeaderChange(UUID previous, UUID leader, boolean self) {}
}
