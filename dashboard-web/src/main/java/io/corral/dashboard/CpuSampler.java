package io.corral.dashboard;

import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The member's CPU use for its statistics post: the process share from the process's CPU time between two posts
 * (one cheap native call), the machine's share from the JDK at most every {@value #SYSTEM_EVERY_MILLIS} ms.
 * Inside a container the JDK answers both {@code getProcessCpuLoad} and {@code getCpuLoad} by reading and parsing
 * cgroup files, which measured as the single largest source of garbage in a member under load; once a second on
 * every member that became GC pauses in the request path.
 *
 * <p>Not thread-safe: used from the publisher's event loop only.
 */
final class CpuSampler {

  private static final long SYSTEM_EVERY_MILLIS = 10_000;

  private final com.sun.management.OperatingSystemMXBean os;
  private final int cores = Runtime.getRuntime().availableProcessors();
  private long lastCpuNanos = -1;
  private long lastAtMillis;
  private double process;
  private double system = -1;
  private long systemAtMillis = Long.MIN_VALUE;

  CpuSampler() {
    OperatingSystemMXBean bean = ManagementFactory.getOperatingSystemMXBean();
    this.os = bean instanceof com.sun.management.OperatingSystemMXBean sun ? sun : null;
  }

  /** Puts {@code process} and {@code system} (0..1 of all cores, or -1 when unknown) into {@code cpu}. */
  void sample(long nowMillis, JsonObject cpu) {
    if (os == null) {
      return;
    }
    long cpuNanos = os.getProcessCpuTime();
    if (lastCpuNanos >= 0 && nowMillis > lastAtMillis && cpuNanos >= 0) {
      double wallNanos = (nowMillis - lastAtMillis) * 1e6 * cores;
      process = Math.min(1.0, (cpuNanos - lastCpuNanos) / wallNanos);
    }
    lastCpuNanos = cpuNanos;
    lastAtMillis = nowMillis;
    if (nowMillis - systemAtMillis >= SYSTEM_EVERY_MILLIS) {
      system = os.getCpuLoad();
      systemAtMillis = nowMillis;
    }
    cpu.put("process", process).put("system", system);
  }
}
