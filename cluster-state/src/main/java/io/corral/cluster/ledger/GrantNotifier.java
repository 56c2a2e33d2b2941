package io.corral.cluster.ledger;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.topic.ITopic;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Tells the member holding a ticket that it was granted a slot: a message on that member's own topic
 * ({@code corral.grants.<member uuid>}), published by whoever made the grant (the releasing member). Delivery is
 * best effort; a member that misses a message finds the grant when it reconciles its tickets with the ledger.
 *
 * <p>Thread-safety: safe from any thread; publishing never blocks; the subscriber runs on Hazelcast event
 * threads and must not block.
 */
public final class GrantNotifier {

  private static final String PREFIX = "corral.grants.";

  private final HazelcastInstance hazelcast;
  private UUID registration;
  private ITopic<Grant> own;

  public GrantNotifier(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
  }

  /** Receives the grants made for this member's tickets. */
  public void subscribe(String localMemberId, Consumer<Grant> onGrant) {
    own = hazelcast.getTopic(PREFIX + localMemberId);
    registration = own.addMessageListener(m -> onGrant.accept(m.getMessageObject()));
  }

  /** Sends each grant to its member (fire and forget). */
  public void publish(List<Grant> grants) {
    for (Grant g : grants) {
      ITopic<Grant> topic = hazelcast.getTopic(PREFIX + g.memberId());
      topic.publishAsync(g);
    }
  }

  public void close() {
    if (own != null && registration != null) {
      try {
        own.removeMessageListener(registration);
        own.destroy();
      } catch (RuntimeException ignored) {
        // the instance may be gone
      }
    }
  }
}
