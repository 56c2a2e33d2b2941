package io.corral.cluster.ledger;

import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.corral.cluster.backends.BackendKind;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.leader.LeaderElection;
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
 * <p>Fencing: a new leader first claims the ledger's next leader epoch, and every action carries that term; the
 * ledger refuses actions from any other term, so a leader that froze and resumed after another took over changes
 * nothing. Until its claim is answered a new leader does nothing.
 *
 * <p>Runs on Hazelcast event threads; only asynchronous calls, nothing blocks.
 */
public final class LedgerStewardship {

  private static final Logger log = LoggerFactory.getLogger(LedgerStewardship.class);

  private final Cluster cluster;
  private final LeaderElection election;
  private final BackendRegistry backends;
  private final SlotLedger ledger;
  private UUID membershipRegistration;
  /** This member's leader term once its claim was answered; null while it does not lead. */
  private volatile LeaderTerm term;

  public LedgerStewardship(Cluster cluster, LeaderElection election, BackendRegistry backends, SlotLedger ledger) {
    this.cluster = cluster;
    this.election = election;
    this.backends = backends;
    this.ledger = ledger;
  }

  public void start() {
    backends.onChange(this::syncIfLeader);
    membershipRegistration = cluster.addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent e) {
        // nothing to do: a new member starts with no leases
      }

      @Override
      public void memberRemoved(MembershipEvent e) {
        if (election.isLeader()) {
          purge(e.getMember().getUuid().toString(), "left");
        }
      }
    });
    election.onChange(change -> {
      if (change.self()) {
        takeOver();
      } else {
        term = null;
      }
    });
    if (election.isLeader()) {
      takeOver();
    }
  }

  /**
   * What a new leader does first: claim the ledger's leader term, then re-sync every backend and sweep members
   * that are gone. Also run after a merge or a lost partition (the ledger entry may be another side's).
   */
  public void takeOver() {
    String self = cluster.getLocalMember().getUuid().toString();
    ledger.claimLeadership(self).whenComplete((claimed, err) -> {
      if (err != null || claimed.epoch() < 0) {
        log.warn("event=leader_claim_refused member={} error={}", self, err == null ? "declared dead" : err);
        return;
      }
      if (!election.isLeader()) {
        return; // leadership moved on while the claim was under way: the next leader claims its own term
      }
      term = claimed;
      log.info("event=leader_term_claimed member={} epoch={}", self, claimed.epoch());
      for (BackendState b : backends.all()) {
        sync(b);
      }
      sweep();
    });
  }

  /** Purges every member the ledger holds something for that is no longer in the cluster. */
  public void sweep() {
    Set<String> present = cluster.getMembers().stream().map(Member::getUuid)
        .map(UUID::toString).collect(Collectors.toSet());
    ledger.membersHolding().thenAccept(holders -> holders.stream().filter(h -> !present.contains(h))
        .forEach(h -> purge(h, "absent")));
  }

  private void syncIfLeader(BackendState b) {
    if (election.isLeader() && term != null) {
      sync(b);
    }
  }

  private void sync(BackendState b) {
    if (b.kind() == BackendKind.RPC_SERVER) {
      return; // an rpc-server takes no requests: it has no slots in the ledger
    }
    LeaderTerm t = term;
    if (t == null) {
      return;
    }
    ledger.setCapacity(b.id(), b.slots(), b.modelSlots(), b.isUp(), t).whenComplete((result, err) -> {
      if (err != null) {
        log.warn("event=capacity_sync_failed backend={} error={}", b.id(), err.toString());
      } else if (result.outcome() == ReleaseResult.Outcome.FENCED) {
        fenced(t, "capacity sync of " + b.id());
      }
    });
  }

  private void purge(String memberId, String why) {
    LeaderTerm t = term;
    if (t == null) {
      return;
    }
    ledger.purgeMember(memberId, t).whenComplete((result, err) -> {
      if (err != null) {
        log.warn("event=member_purge_failed member={} error={}", memberId, err.toString());
      } else if (result.outcome() == ReleaseResult.Outcome.FENCED) {
        fenced(t, "purge of " + memberId);
      } else {
        log.info("event=member_purged member={} reason={} regranted={}", memberId, why, result.grants().size());
      }
    });
  }

  /** The ledger has a newer leader term than ours: stop acting until this member claims again. */
  private void fenced(LeaderTerm stale, String action) {
    log.warn("event=leader_action_fenced member={} epoch={} action=\"{}\"", stale.leader(), stale.epoch(), action);
    if (stale.equals(term)) {
      term = null;
    }
  }

  public void close() {
    if (membershipRegistration != null) {
      try {
        cluster.removeMembershipListener(membershipRegistration);
      } catch (RuntimeException ignored) {
        // instance gone
      }
    }
  }

}
