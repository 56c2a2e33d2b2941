package io.corral.discovery.scan;

/**
 * The scan schedule's shared state (IMap {@value ScanSchedule#MAP_NAME}, key {@value ScanSchedule#KEY}): who
 * scanned last, when, and what it found. A new leader reads it to resume the schedule instead of starting over,
 * and to keep watching what the last scan found. Arrays, not lists, so Hazelcast's zero-config Compact
 * serialization handles it.
 *
 * @param leader             API URL of the member that ran (or runs) the scan
 * @param scans              how many scans were started in this cluster
 * @param startedAtMillis    when the last scan started (epoch ms)
 * @param finishedAtMillis   when it finished; less than {@code startedAtMillis} while it runs (or if its member
 *                           died mid-scan)
 * @param elapsedMillis      how long the last finished scan took
 * @param portsTried         host:port pairs tried by the last finished scan
 * @param open               how many of them were open
 * @param backends           backend URLs found (fingerprinted as Ollama, llama-server or OpenAI-compatible)
 * @param presumedRpcServers {@code host:port} of open rpc ports (nothing sent to them)
 * @param unknown            {@code host:port} of open ports that answered no known protocol
 * @param corralMembers      {@code host:port} of corral members found (never registered as backends)
 */
public record ScanStatus(String leader, long scans, long startedAtMillis, long finishedAtMillis, long elapsedMillis,
    long portsTried, long open, String[] backends, String[] presumedRpcServers, String[] unknown,
    String[] corralMembers) {

  /** Started and not finished: running, or cut off by its member's death. */
  public boolean unfinished() {
    return finishedAtMillis < startedAtMillis;
  }
}
