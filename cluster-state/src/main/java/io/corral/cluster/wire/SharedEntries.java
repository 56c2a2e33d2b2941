package io.corral.cluster.wire;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.topic.Message;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one shared map's (or topic's) values as the type corral puts there, and skips, per key, anything else: an
 * entry written by a member of another build, a class this member does not have, a value the serialization filter
 * refuses. A bad entry is logged (at most one line per {@value #LOG_EVERY_MILLIS} ms per map, with how many were
 * skipped since) and never stops a member from starting or routing.
 *
 * <p>Thread-safe. {@link #loadAll} blocks (call it where the owner's {@code start()} may block).
 */
public final class SharedEntries<V> {

  static final long LOG_EVERY_MILLIS = 10_000;
  private static final Logger log = LoggerFactory.getLogger(SharedEntries.class);

  private final String name;
  private final Class<V> type;
  private final AtomicLong lastLogged = new AtomicLong(Long.MIN_VALUE / 2);
  private final AtomicLong skipped = new AtomicLong();

  public SharedEntries(String name, Class<V> type) {
    this.name = name;
    this.type = type;
  }

  /**
   * Every readable entry of {@code map}. Reads all at once, and only when that fails (some entry cannot be read)
   * key by key, so one bad entry costs one key, not the map.
   */
  public Map<String, V> loadAll(IMap<String, V> map) {
    Map<String, V> out = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, V> e : map.entrySet()) {
        Optional<V> v = checked(e.getKey(), e.getValue());
        v.ifPresent(value -> out.put(e.getKey(), value));
      }
      return out;
    } catch (RuntimeException someEntryIsBad) {
      out.clear();
    }
    Iterator<?> keys;
    try {
      // the key set deserializes lazily, one key per next(): a bad key costs that key only
      keys = ((Set<?>) map.keySet()).iterator();
    } catch (RuntimeException badKeys) {
      skip("(keys)", badKeys);
      return out;
    }
    while (true) {
      Object key;
      try {
        if (!keys.hasNext()) {
          break;
        }
        key = keys.next();
      } catch (RuntimeException badKey) {
        skip("(a key)", badKey);
        continue;
      }
      if (!(key instanceof String k)) {
        skip(String.valueOf(key), new ClassCastException("a key that is not a string"));
        continue;
      }
      try {
        checked(k, map.get(k)).ifPresent(v -> out.put(k, v));
      } catch (RuntimeException bad) {
        skip(k, bad);
      }
    }
    return out;
  }

  /** The new value of an entry event, if it is readable and of the expected type. */
  public Optional<V> valueOf(EntryEvent<String, ?> event) {
    try {
      return checked(event.getKey(), event.getValue());
    } catch (RuntimeException bad) {
      skip(keyOf(event), bad);
      return Optional.empty();
    }
  }

  /** The old value of an entry event (removals, expiries), if it is readable and of the expected type. */
  public Optional<V> oldValueOf(EntryEvent<String, ?> event) {
    try {
      return checked(event.getKey(), event.getOldValue());
    } catch (RuntimeException bad) {
      skip(keyOf(event), bad);
      return Optional.empty();
    }
  }

  /** A topic message's payload, if it is readable and of the expected type. */
  public Optional<V> messageOf(Message<?> message) {
    try {
      return checked("(message)", message.getMessageObject());
    } catch (RuntimeException bad) {
      skip("(message)", bad);
      return Optional.empty();
    }
  }

  /** Entries skipped since start. */
  public long skippedCount() {
    return skipped.get();
  }

  private Optional<V> checked(String key, Object value) {
    if (value == null) {
      return Optional.empty();
    }
    if (!type.isInstance(value)) {
      skip(key, new ClassCastException(value.getClass().getName() + " where " + type.getName() + " belongs"));
      return Optional.empty();
    }
    return Optional.of(type.cast(value));
  }

  private static String keyOf(EntryEvent<String, ?> event) {
    try {
      return String.valueOf(event.getKey());
    } catch (RuntimeException bad) {
      return "(unreadable key)";
    }
  }

  private void skip(String key, RuntimeException why) {
    long n = skipped.incrementAndGet();
    long now = System.currentTimeMillis();
    long last = lastLogged.get();
    if (now - last >= LOG_EVERY_MILLIS && lastLogged.compareAndSet(last, now)) {
      String cause = why.getCause() == null ? why.toString() : why.getCause().toString();
      log.warn("event=shared_entry_skipped map={} key={} skipped_total={} error=\"{}\"", name,
          key.length() > 200 ? key.substring(0, 200) + "..." : key, n, cause.length() > 300
              ? cause.substring(0, 300) + "..." : cause);
    }
  }
}
