package io.corral.cluster.ledger;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.corral.cluster.CorralMember;
import io.corral.cluster.backends.BackendKind;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger upkeep that the leader does, so it is done once and not by every member: (1) copy each backend's
 * slots and availability from the shared backend table into the ledger; (2) when a member leaves, free its
 * leases and drop its tickets (about 0.5 s after a process crash, when Hazelcast removes it). Both are idempotent
 * and restartable from shared state: a new leader re-syncs every backend and sweeps every member the ledger
 * still holds something for that is no longer in the cluster.
 *
 * <p>Runs on Hazelcast event threads; only asynchronous calls, nothing blocks.
 */
public final class LedgerStewardship {

  private static final Logger log = LoggerFactory.getLogger(LedgerStewardship.class);

  private final CorralMember member;
  private final BackendRegistry backends;
  private final SlotLedger ledger;
  private UUID membershipRegistration;

  public LedgerStewardship(CorralMember member, BackendRegistry backends, SlotLedger ledger) {
    this.member = member;
    this.backends = backends;
    this.ledger = ledger;
  }

  public void start() {
    backends.onChange(this::syncIfLeader);
    membershipRegistration = member.hazelcast().getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        // nothing to do: a new member starts with no leases
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        if (member.leaderElection().isLeader()) {
          purge(e.getMember().getUuid().toString(), "left");
        }
      }
    });
    member.leaderElection().onChange(change -> {
      if (change.self()) {
        takeOver();
      }
    });
    if (member.leaderElection().isLeader()) {
      takeOver();
    }
  }

  /** What a new leader does first: re-sync every backend and sweep members that are gone. */
  public void takeOver() {
    for (BackendState b : backends.all()) {
      sync(b);
    }
    sweep();
  }

  /** Purges every member the ledger holds something for that is no longer in the cluster. */
  public void sweep() {
    Set<String> present = member.hazelcast().getCluster().getMembers().stream().map(Member::getUuid)
        .map(UUID::toString).collect(Collectors.toSet());
    ledger.membersHolding().thenAccept(holders -> holders.stream().filter(h -> !present.contains(h))
        .forEach(h -> purge(h, "absent")));
  }

  private void syncIfLeader(BackendState b) {
    if (member.leaderElection().isLeader()) {
      sync(b);
    }
  }

  private void sync(BackendState b) {
    if (b.kind() == BackendKind.RPC_SERVER) {
      return; // an rpc-server takes no requests: it has no slots in the ledger
    }
    ledger.setCapacity(b.id(), b.slots(), b.isUp()).whenComplete((grants, err) -> {
      if (err != null) {
        log.warn("event=capacity_sync_failed backend={} error={}", b.id(), err.toString());
      }
    });
  }

  private void purge(String memberId, String why) {
    ledger.purgeMember(memberId).whenComplete((grants, err) -> {
      if (err != null) {
        log.warn("event=member_purge_failed member={} error={}", memberId, err.toString());
        return;
      }
      log.info("event=member_purged member={} reason={} regranted={}", memberId, why, grants.size());
    });
  }

  public void close() {
    if (membershipRegistration != null) {
      try {
        member.hazelcast().getCluster().removeMembershipListener(membershipRegistration);
      } catch (RuntimeException ignored) {
        // instance gone
      }
    }
  }

}
