package io.corral.cluster.events;

import com.hazelcast.config.Config;
import com.hazelcast.config.ReliableTopicConfig;
import com.hazelcast.config.RingbufferConfig;
import com.hazelcast.core.HazelcastInstance;
import io.corral.cluster.wire.SharedEntries;
import com.hazelcast.topic.ITopic;
import com.hazelcast.topic.TopicOverloadPolicy;
import java.time.InstantSource;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's event stream ({@value #TOPIC}): state changes are pushed here by the member that made or saw
 * them, and whoever shows them (the dashboard, logs, tests) subscribes instead of polling. A Hazelcast
 * ReliableTopic over a bounded ring: a slow subscriber loses the oldest events, a publisher never waits.
 *
 * <p>Thread-safety: safe from any thread; publishing never blocks; subscribers run on Hazelcast threads and must
 * not block.
 */
public final class EventStream {

  public static final String TOPIC = "corral.events";
  /** Events kept for late or slow subscribers. */
  public static final int CAPACITY = 1000;

  private static final Logger log = LoggerFactory.getLogger(EventStream.class);

  private final ITopic<ClusterEvent> topic;
  private final String member;
  private final InstantSource clock;

  public EventStream(HazelcastInstance hazelcast, String member, InstantSource clock) {
    this.topic = hazelcast.getReliableTopic(TOPIC);
    this.member = member;
    this.clock = clock;
  }

  /** Adds the topic's configuration (bounded ring, never block the publisher). */
  public static void configure(Config c) {
    c.addRingBufferConfig(new RingbufferConfig(TOPIC).setCapacity(CAPACITY).setBackupCount(0)
        .setAsyncBackupCount(1));
    c.addReliableTopicConfig(new ReliableTopicConfig(TOPIC).setTopicOverloadPolicy(
        TopicOverloadPolicy.DISCARD_OLDEST));
  }

  /** Publishes an event as seen by this member (fire and forget). */
  public void publish(String type, String subject, String detail) {
    ClusterEvent e = new ClusterEvent(type, subject == null ? "" : subject, detail == null ? "" : detail, member,
        clock.millis());
    topic.publishAsync(e).whenComplete((v, err) -> {
      if (err != null) {
        log.debug("event=event_publish_failed type={} error={}", type, err.toString());
      }
    });
  }

  /** Receives every event published from now on. */
  public UUID subscribe(Consumer<ClusterEvent> listener) {
    SharedEntries<ClusterEvent> messages = new SharedEntries<>(TOPIC, ClusterEvent.class);
    return topic.addMessageListener(m -> messages.messageOf(m).ifPresent(listener));
  }

  public void unsubscribe(UUID registration) {
    try {
      topic.removeMessageListener(registration);
    } catch (RuntimeException ignored) {
      // the instance may be gone
    }
  }
}
