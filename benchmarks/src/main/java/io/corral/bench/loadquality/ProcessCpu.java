package io.corral.bench.loadquality;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * CPU time under {@code /proc}: a process's {@code utime + stime} and the machine's busy ticks. Every reading is a
 * fresh file read, so it is safe from any thread. (The overhead benchmark has its own copy; the packages stay
 * independent so either can change without the other.)
 */
final class ProcessCpu {

  private ProcessCpu() {}

  /** User + system CPU ticks of a process so far, or -1 when it is gone or unreadable. */
  static long ticks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
      // The command name (field 2) is in parentheses and may contain spaces: split after its closing one.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // f[0] is field 3 (state); utime is field 14 and stime field 15.
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The sum over several processes; a process that cannot be read counts 0. */
  static long ticks(Collection<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      sum += Math.max(0, ticks(pid));
    }
    return sum;
  }

  /** Busy ticks of the whole machine (all cores) from the first line of {@code /proc/stat}. */
  static long machineBusyTicks() {
    try {
      String first = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII).get(0);
      String[] f = first.trim().split("\\s+");
      long busy = 0;
      // user nice system idle iowait irq softirq steal: everything but idle (4) and iowait (5)
      for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
        if (i != 4 && i != 5) {
          busy += Long.parseLong(f[i]);
        }
      }
      return busy;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** The 1, 5 and 15 minute load averages, as Linux prints them. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  static long selfPid() {
    return ProcessHandle.current().pid();
  }
}
