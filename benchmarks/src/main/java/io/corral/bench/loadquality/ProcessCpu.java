package io.corral.bench.loadquality;

import io.corral.bench.ProcStat;
import java.util.Collection;

/** CPU time of processes and of the machine, in the units the load-quality report adds up. */
final class ProcessCpu {

  private ProcessCpu() {}

  /** User + system CPU ticks of a process so far, or -1 when it is gone or unreadable. */
  static long ticks(long pid) {
    return ProcStat.cpuTicks(pid).orElse(-1);
  }

  /** The sum over several processes; a process that cannot be read counts 0. */
  static long ticks(Collection<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      sum += Math.max(0, ticks(pid));
    }
    return sum;
  }

  /** Busy ticks of the whole machine (all cores): everything but idle and iowait. */
  static long machineBusyTicks() {
    return ProcStat.machineTicks()[0];
  }

  static String loadAverage() {
    return ProcStat.loadAverage();
  }

  static long selfPid() {
    return ProcStat.selfPid();
  }
}
