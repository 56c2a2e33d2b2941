package io.corral.dashboard;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.topic.ITopic;
import com.hazelcast.topic.Message;
import com.hazelcast.topic.ReliableMessageListener;
import io.corral.cluster.wire.SharedEntries;
import io.corral.cluster.events.ClusterEvent;
import io.corral.cluster.events.EventStream;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * This member's copy of the cluster's event stream for the dashboard: subscribes to {@link EventStream#TOPIC},
 * keeps the last {@code maxEvents}, and samples high-rate info events at {@code sampleRate} (warnings, errors
 * and structural events are always kept, see {@link EventLevel}).
 *
 * <p>Each event's id is its sequence in the topic's ring, the same on every member: a page that moves to
 * another member asks for {@code since=<last id>} and neither misses nor repeats events. On start the log
 * replays what the ring still holds, so a fresh member's dashboard is not empty.
 *
 * <p>Thread-safety: events arrive on one Hazelcast thread per listener; reads come from event loops; the
 * deque is guarded by this object's monitor. Listeners run on the Hazelcast thread and must not block.
 */
public final class EventLog implements AutoCloseable {

  /** One kept event. */
  public record Entry(long id, ClusterEvent event, String level) {
    public JsonObject toJson() {
      String type = event.type();
      int cut = type.indexOf('_');
      return new JsonObject().put("id", id).put("timestamp", Instant.ofEpochMilli(event.atMillis()).toString())
          .put("atMillis", event.atMillis()).put("level", level)
          .put("component", cut > 0 ? type.substring(0, cut) : type).put("event_type", type)
          .put("subject", event.subject()).put("message", event.detail()).put("member", event.member());
    }
  }

  private final ITopic<ClusterEvent> topic;
  private final SharedEntries<ClusterEvent> messages = new SharedEntries<>(EventStream.TOPIC, ClusterEvent.class);
  private final int maxEvents;
  private final double sampleRate;
  private final ArrayDeque<Entry> kept = new ArrayDeque<>();
  private final List<Consumer<Entry>> listeners = new CopyOnWriteArrayList<>();
  private double credit;
  private long sampledOut;
  private long received;
  private volatile UUID registration;

  public EventLog(HazelcastInstance hazelcast, int maxEvents, double sampleRate) {
    this(hazelcast.<ClusterEvent>getReliableTopic(EventStream.TOPIC), maxEvents, sampleRate);
  }

  /** With the topic given (tests pass none and feed {@link #accept} directly). */
  EventLog(ITopic<ClusterEvent> topic, int maxEvents, double sampleRate) {
    this.topic = topic;
    this.maxEvents = maxEvents;
    this.sampleRate = sampleRate;
  }

  public EventLog start() {
    registration = topic.addMessageListener(new Listener());
    return this;
  }

  /** Called for every kept event (on a Hazelcast thread). Must not block. */
  public void onEvent(Consumer<Entry> listener) {
    listeners.add(listener);
  }

  /** Sampling: keeps {@code sampleRate} of the candidates, evenly (no randomness, so tests are exact). */
  private boolean sampledIn() {
    credit += sampleRate;
    // the epsilon: ten additions of 0.1 make 0.9999999999999999, which must count as one whole event
    if (credit >= 1 - 1e-9) {
      credit -= 1;
      return true;
    }
    return false;
  }

  void accept(long sequence, ClusterEvent event) {
    EventLevel level = EventLevel.of(event);
    Entry entry;
    synchronized (this) {
      received++;
      if (level == EventLevel.INFO && !EventLevel.alwaysKept(event.type()) && !sampledIn()) {
        sampledOut++;
        return;
      }
      entry = new Entry(sequence, event, level.wireName());
      kept.addLast(entry);
      while (kept.size() > maxEvents) {
        kept.removeFirst();
      }
    }
    for (Consumer<Entry> l : listeners) {
      l.accept(entry);
    }
  }

  /** Kept events with an id above {@code since} (oldest first), at most {@code limit} of the newest. */
  public synchronized List<Entry> since(long since, int limit) {
    List<Entry> out = new ArrayList<>();
    Iterator<Entry> it = kept.descendingIterator();
    while (it.hasNext() && out.size() < limit) {
      Entry e = it.next();
      if (e.id() <= since) {
        break;
      }
      out.add(e);
    }
    java.util.Collections.reverse(out);
    return out;
  }

  public static JsonArray toJson(List<Entry> entries) {
    JsonArray a = new JsonArray();
    for (Entry e : entries) {
      a.add(e.toJson());
    }
    return a;
  }

  /** Counters for the page and scripts: what was received, kept, and sampled away. */
  public synchronized JsonObject stats() {
    return new JsonObject().put("received", received).put("kept", kept.size()).put("sampledOut", sampledOut)
        .put("maxEvents", maxEvents).put("sampleRate", sampleRate);
  }

  @Override
  public void close() {
    UUID id = registration;
    if (id != null) {
      try {
        topic.removeMessageListener(id);
      } catch (RuntimeException ignored) {
        // the instance may already be gone
      }
    }
  }

  /** Reads the ring from its oldest retained event; a lost stretch (slow reader) is skipped, never fatal. */
  private final class Listener implements ReliableMessageListener<ClusterEvent> {
    private long sequence = -1;

    @Override
    public long retrieveInitialSequence() {
      return 0;
    }

    @Override
    public void storeSequence(long s) {
      // Hazelcast calls this just before onMessage with the sequence of that message
      sequence = s;
    }

    @Override
    public boolean isLossTolerant() {
      return true;
    }

    @Override
    public boolean isTerminal(Throwable failure) {
      return false;
    }

    @Override
    public void onMessage(Message<ClusterEvent> message) {
      messages.messageOf(message).ifPresent(e -> accept(sequence, e));
    }
  }
}
