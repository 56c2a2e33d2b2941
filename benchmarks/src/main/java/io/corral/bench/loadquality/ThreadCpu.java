package io.corral.bench.loadquality;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import javax.management.MBeanServerConnection;

/**
 * Where the corral members spend their CPU: per-thread CPU time from each member's {@code ThreadMXBean} over JMX,
 * summed into groups by thread name (numbers and Hazelcast's instance name taken out, so
 * {@code hz.corral-127.0.0.1_8000-123.partition-operation.thread-1} becomes
 * {@code hz.partition-operation.thread-#}). JVM-internal threads (GC, JIT compilers) are not Java threads and so
 * are not listed; the caller shows them as the rest of the process CPU.
 */
final class ThreadCpu {

  private static final Pattern HZ_INSTANCE = Pattern.compile("^hz\\.corral-[^.]*(\\.[0-9]+)*[^.]*\\.");
  private static final Pattern DIGITS = Pattern.compile("[0-9]+");

  private ThreadCpu() {}

  /** CPU nanoseconds per live thread, keyed by member pid and thread id, with the thread's group. */
  record Snapshot(Map<Long, Map<Long, Sample>> byMember) {}

  record Sample(String group, long cpuNanos) {}

  static Snapshot read(MemberJmx jmx) throws IOException {
    Map<Long, Map<Long, Sample>> out = new LinkedHashMap<>();
    for (Map.Entry<Long, MBeanServerConnection> e : jmx.servers().entrySet()) {
      java.lang.management.ThreadMXBean threads = ManagementFactory.newPlatformMXBeanProxy(e.getValue(),
          ManagementFactory.THREAD_MXBEAN_NAME, java.lang.management.ThreadMXBean.class);
      long[] ids = threads.getAllThreadIds();
      ThreadInfo[] infos = threads.getThreadInfo(ids);
      long[] cpu = cpuTimes(e.getValue(), threads, ids);
      Map<Long, Sample> member = new HashMap<>();
      for (int i = 0; i < ids.length; i++) {
        if (infos[i] != null && cpu[i] >= 0) {
          member.put(ids[i], new Sample(group(infos[i].getThreadName()), cpu[i]));
        }
      }
      out.put(e.getKey(), member);
    }
    return new Snapshot(out);
  }

  /** CPU seconds per thread group between two snapshots, summed over members, largest first. */
  static Map<String, Double> between(Snapshot before, Snapshot after) {
    Map<String, Double> groups = new HashMap<>();
    after.byMember().forEach((pid, threads) -> {
      Map<Long, Sample> earlier = before.byMember().getOrDefault(pid, Map.of());
      threads.forEach((tid, s) -> {
        Sample b = earlier.get(tid);
        long used = s.cpuNanos() - (b == null ? 0 : b.cpuNanos());
        groups.merge(s.group(), used / 1e9, Double::sum);
      });
    });
    Map<String, Double> sorted = new LinkedHashMap<>();
    groups.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(en -> sorted.put(en.getKey(), en.getValue()));
    return sorted;
  }

  static String group(String threadName) {
    String n = HZ_INSTANCE.matcher(threadName).replaceFirst("hz.");
    return DIGITS.matcher(n).replaceAll("#");
  }

  /** One bulk call when the HotSpot extension is there, else one call per thread. */
  private static long[] cpuTimes(MBeanServerConnection server, java.lang.management.ThreadMXBean threads,
      long[] ids) throws IOException {
    try {
      com.sun.management.ThreadMXBean hotspot = ManagementFactory.newPlatformMXBeanProxy(server,
          ManagementFactory.THREAD_MXBEAN_NAME, com.sun.management.ThreadMXBean.class);
      return hotspot.getThreadCpuTime(ids);
    } catch (RuntimeException e) {
      long[] out = new long[ids.length];
      for (int i = 0; i < ids.length; i++) {
        out[i] = threads.getThreadCpuTime(ids[i]);
      }
      return out;
    }
  }
}
