package io.corral.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * Reads what Linux reports about a process and the machine under {@code /proc}: CPU time ({@code utime + stime}
 * in clock ticks), resident memory ({@code VmRSS}, {@code VmHWM}) and machine-wide busy time. Every reading is a
 * fresh file read, so it is safe from any thread.
 */
public final class ProcStat {

  private ProcStat() {}

  /** User + system CPU ticks of a process so far, or empty when it is gone. */
  public static OptionalLong cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
      // The command name (field 2) is in parentheses and may contain spaces: split after its closing one.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // f[0] is field 3 (state); utime is field 14 and stime field 15.
      return OptionalLong.of(Long.parseLong(f[11]) + Long.parseLong(f[12]));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  /** A {@code kB} line of {@code /proc/<pid>/status} such as {@code VmRSS} or {@code VmHWM}, in KiB. */
  public static OptionalLong statusKib(long pid, String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith(key + ":")) {
          return OptionalLong.of(Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]));
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone or unreadable: empty
    }
    return OptionalLong.empty();
  }

  /** The process's command line with NULs turned into spaces (to show the JVM flags in the report). */
  public static String commandLine(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
      return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').trim();
    } catch (IOException e) {
      return "";
    }
  }

  /** Machine-wide CPU ticks from the first line of {@code /proc/stat}: {@code [busy, total]}. */
  public static long[] machineTicks() {
    try {
      String first = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII).get(0);
      String[] f = first.trim().split("\\s+");
      long total = 0;
      // user nice system idle iowait irq softirq steal (guest time is already inside user/nice)
      for (int i = 1; i <= Math.min(8, f.length - 1); i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  /** The 1, 5 and 15 minute load averages, as Linux prints them. */
  public static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  public static long selfPid() {
    return ProcessHandle.current().pid();
  }
}
