package io.corral.dashboard;

import java.time.Duration;

/**
 * How the dashboard behaves on a member.
 *
 * @param port              the port the leader also serves the dashboard on; 0 = none (only {@code /dashboard} on
 *                          each member's API port)
 * @param fallback          when the leader finds {@code port} taken: true = log it and carry on (serve only under
 *                          {@code /dashboard}); false = a taken port is an error (startup fails)
 * @param statsInterval     how often each member posts its own statistics to the cluster
 * @param eventSampleRate   share (0-1] of high-rate info events kept in the dashboard's event log; warnings,
 *                          errors and membership/leader/app events are always kept
 * @param maxEvents         events each member keeps in memory for the dashboard
 * @param appStaleAfter     an application that sent no heartbeat for this long is shown as stale
 * @param appRemoveAfter    ... and is removed cluster-wide after this long
 */
public record DashboardSettings(int port, boolean fallback, Duration statsInterval, double eventSampleRate,
    int maxEvents, Duration appStaleAfter, Duration appRemoveAfter) {

  public static final DashboardSettings DEFAULTS = new DashboardSettings(8080, true, Duration.ofSeconds(1), 1.0,
      10_000, Duration.ofSeconds(90), Duration.ofMinutes(5));

  public DashboardSettings {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("dashboardPort must be 0-65535, got " + port);
    }
    if (statsInterval == null || statsInterval.toMillis() < 100) {
      throw new IllegalArgumentException("dashboardStatsInterval must be at least 100ms, got " + statsInterval);
    }
    if (!(eventSampleRate > 0 && eventSampleRate <= 1)) {
      throw new IllegalArgumentException("dashboardEventSampleRate must be in (0, 1], got " + eventSampleRate);
    }
    if (maxEvents < 10) {
      throw new IllegalArgumentException("dashboardMaxEvents must be at least 10, got " + maxEvents);
    }
    if (appStaleAfter == null || appStaleAfter.isNegative() || appStaleAfter.isZero()) {
      throw new IllegalArgumentException("appStaleAfter must be positive");
    }
    if (appRemoveAfter == null || appRemoveAfter.compareTo(appStaleAfter) <= 0) {
      throw new IllegalArgumentException("appRemoveAfter (" + appRemoveAfter + ") must be longer than appStaleAfter ("
          + appStaleAfter + ")");
    }
  }

  public DashboardSettings withPort(int newPort) {
    return new DashboardSettings(newPort, fallback, statsInterval, eventSampleRate, maxEvents, appStaleAfter,
        appRemoveAfter);
  }
}
