package io.corral.cluster.ledger;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.topic.ITopic;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Tells the member holding a ticket that it was granted a slot: a message on that member's own topic
 * ({@code corral.grants.<member uuid>}). The ledger's partition owner sends it from inside the entry processor
 * that made the grant, so the notice is on its way before the member that freed the slot even hears back: the
 * shortest path from a freed slot to the next request's first byte. Delivery is best effort; a member that
 * misses a message finds the grant when it reconciles its tickets with the ledger.
 *
 * <p>One notifier per Hazelcast instance ({@link #of}), kept in the instance's user context where the entry
 * processors find it. Thread-safety: safe from any thread; publishing never blocks (it may run on a partition
 * thread); the subscriber runs on Hazelcast event threads and must not block.
 */
public final class GrantNotifier {

  private static final String PREFIX = "corral.grants.";
  private static final String USER_CONTEXT_KEY = "corral.grantNotifier";

  private final HazelcastInstance hazelcast;
  /** Topic proxies by member, so a partition thread only looks one up once per member. */
  private final Map<String, ITopic<Grant>> topics = new ConcurrentHashMap<>();
  private UUID registration;
  private ITopic<Grant> own;

  private GrantNotifier(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
  }

  /** This instance's notifier. */
  public static GrantNotifier of(HazelcastInstance hazelcast) {
    return (GrantNotifier) hazelcast.getUserContext().computeIfAbsent(USER_CONTEXT_KEY,
        k -> new GrantNotifier(hazelcast));
  }

  /** Receives the grants made for this member's tickets. */
  public void subscribe(String localMemberId, Consumer<Grant> onGrant) {
    own = topic(localMemberId);
    registration = own.addMessageListener(m -> onGrant.accept(m.getMessageObject()));
  }

  /** Sends each grant to its member (fire and forget). */
  public void publish(List<Grant> grants) {
    for (Grant g : grants) {
      topic(g.memberId()).publishAsync(g);
    }
  }

  private ITopic<Grant> topic(String memberId) {
    return topics.computeIfAbsent(memberId, id -> hazelcast.getTopic(PREFIX + id));
  }

  /** Stops listening; the next {@link #subscribe} may use another member id (after a merge). */
  public void close() {
    if (own != null && registration != null) {
      try {
        own.removeMessageListener(registration);
        own.destroy();
      } catch (RuntimeException ignored) {
        // the instance may be gone
      }
      topics.values().remove(own);
      own = null;
    }
  }
}
