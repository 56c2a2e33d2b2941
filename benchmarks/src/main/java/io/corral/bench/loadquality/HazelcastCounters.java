package io.corral.bench.loadquality;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;

/**
 * Counts what corral's members ask of Hazelcast, read from Hazelcast's own metrics over JMX:
 *
 * <ul>
 *   <li>{@code operation.invocations.lastCallId}: the member's invocation sequence, one per operation it
 *       invoked (local or remote), so its growth per request is the member's cluster calls per request;
 *   <li>{@code map[corral.ledger].putCount} and {@code hits}: entry processors that changed the ledger entry, and
 *       all that touched it, counted on the member that owns it.
 * </ul>
 *
 * Hazelcast publishes these to JMX on its metrics collection cycle (every 5 s by default), so a reading may be
 * up to one cycle old: callers wait a cycle after the load before reading, and subtract the idle rate.
 */
final class HazelcastCounters {

  private static final String LEDGER = "corral.ledger";

  private HazelcastCounters() {}

  /** One reading of every member. */
  record Reading(long nanoTime, Map<Long, Long> invocations, long ledgerPuts, long ledgerHits) {

    /** Member invocations, summed over members, since {@code before}. */
    long invocationsSince(Reading before) {
      long sum = 0;
      for (Map.Entry<Long, Long> e : invocations.entrySet()) {
        sum += e.getValue() - before.invocations.getOrDefault(e.getKey(), e.getValue());
      }
      return sum;
    }

    double secondsSince(Reading before) {
      return (nanoTime - before.nanoTime) / 1e9;
    }
  }

  static Reading read(MemberJmx jmx) throws IOException {
    Map<Long, Long> invocations = new LinkedHashMap<>();
    long puts = 0;
    long hits = 0;
    try {
      for (Map.Entry<Long, MBeanServerConnection> e : jmx.servers().entrySet()) {
        MBeanServerConnection m = e.getValue();
        Long last = null;
        for (ObjectName n : m.queryNames(new ObjectName("com.hazelcast:type=Metrics,prefix=operation.invocations,*"),
            null)) {
          last = ((Number) m.getAttribute(n, "lastCallId")).longValue();
        }
        if (last == null) {
          throw new IOException("member " + e.getKey() + " publishes no operation.invocations metrics over JMX");
        }
        invocations.put(e.getKey(), last);
        for (ObjectName n : m.queryNames(new ObjectName("com.hazelcast:type=Metrics,prefix=map,*"), null)) {
          if (n.toString().contains("name=" + LEDGER + "\"")) {
            puts += ((Number) m.getAttribute(n, "putCount")).longValue();
            hits += ((Number) m.getAttribute(n, "hits")).longValue();
          }
        }
      }
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException("reading Hazelcast metrics over JMX failed: " + e, e);
    }
    return new Reading(System.nanoTime(), invocations, puts, hits);
  }
}
