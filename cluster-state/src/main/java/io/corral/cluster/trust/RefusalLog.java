package io.corral.cluster.trust;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs refused member connections without letting a flood of them flood the log: one line per peer address per
 * {@link #EVERY}, with how many were left unlogged since. Remembers at most {@link #MAX_PEERS} addresses (then
 * starts over), so a scan from many addresses cannot grow it. Thread-safe.
 */
final class RefusalLog {

  static final Duration EVERY = Duration.ofMinutes(1);
  static final int MAX_PEERS = 1024;
  private static final Logger log = LoggerFactory.getLogger(RefusalLog.class);

  private record Seen(long lastLoggedMillis, long unlogged) {}

  private final InstantSource clock;
  private final Map<String, Seen> byPeer = new ConcurrentHashMap<>();

  RefusalLog(InstantSource clock) {
    this.clock = clock;
  }

  /** @return whether this refusal was logged (false: counted for the next line about this peer) */
  boolean record(String peerHostPort, boolean inbound, String reason) {
    String host = peerHostPort.contains(":") ? peerHostPort.substring(0, peerHostPort.lastIndexOf(':'))
        : peerHostPort;
    long now = clock.millis();
    if (byPeer.size() >= MAX_PEERS && !byPeer.containsKey(host)) {
      byPeer.clear();
    }
    boolean[] logIt = new boolean[1];
    long[] skipped = new long[1];
    byPeer.compute(host, (k, seen) -> {
      if (seen == null || now - seen.lastLoggedMillis() >= EVERY.toMillis()) {
        logIt[0] = true;
        skipped[0] = seen == null ? 0 : seen.unlogged();
        return new Seen(now, 0);
      }
      return new Seen(seen.lastLoggedMillis(), seen.unlogged() + 1);
    });
    if (logIt[0]) {
      log.warn("event=member_connection_refused direction={} peer={} reason=\"{}\" unlogged_since_last={}",
          inbound ? "inbound" : "outbound", peerHostPort, reason, skipped[0]);
    }
    return logIt[0];
  }
}
