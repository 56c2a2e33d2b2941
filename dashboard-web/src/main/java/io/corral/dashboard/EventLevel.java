package io.corral.dashboard;

import io.corral.cluster.events.ClusterEvent;
import java.util.Locale;

/**
 * How serious an event is, judged from its type (the stream's events carry no level of their own). Warnings and
 * errors are never sampled away; neither are the rare structural events (members, leader, apps, operators'
 * actions), which a person looking at the log expects to find every time.
 */
enum EventLevel {
  INFO, WARN, ERROR;

  static EventLevel of(ClusterEvent e) {
    String type = e.type();
    String detail = e.detail().toLowerCase(Locale.ROOT);
    return switch (type) {
      case "circuit_opened", "member_left", "app_stale", "app_removed", "request_failed", "request_failover",
          "request_stalled" -> WARN;
      case "backend_state" -> detail.contains(" down") || detail.startsWith("down") ? WARN : INFO;
      default -> type.endsWith("_failed") || type.endsWith("_error") ? ERROR : INFO;
    };
  }

  /** Info events that are never sampled: rare, and each one matters. */
  static boolean alwaysKept(String type) {
    return type.startsWith("member_") || type.startsWith("leader_") || type.startsWith("app_")
        || type.startsWith("admin_") || type.startsWith("dashboard_");
  }

  String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
