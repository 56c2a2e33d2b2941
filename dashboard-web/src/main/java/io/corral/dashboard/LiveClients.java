package io.corral.dashboard;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The browsers connected to this member's event stream ({@code GET /dashboard/events}, Server-Sent Events).
 * Pushes are driven by changes (a member posted statistics, a backend changed, an event arrived), coalesced to
 * at most one snapshot per {@code minGapMillis}; nothing here runs on a timer of its own, and with no browser
 * connected nothing is built at all. A browser whose connection cannot keep up misses snapshots instead of
 * growing this member's memory.
 *
 * <p>Thread-safety: {@link #changed()} and {@link #event} may be called from any thread; the push work runs on
 * the dashboard's context.
 */
final class LiveClients {

  private final Vertx vertx;
  private final Context context;
  private final Supplier<JsonObject> snapshot;
  private final long minGapMillis;
  private final Set<HttpServerResponse> clients = ConcurrentHashMap.newKeySet();
  private boolean scheduled;
  private long lastPush;

  LiveClients(Vertx vertx, Context context, Supplier<JsonObject> snapshot, long minGapMillis) {
    this.vertx = vertx;
    this.context = context;
    this.snapshot = snapshot;
    this.minGapMillis = minGapMillis;
  }

  /** Starts a stream: the current snapshot, then the events after {@code since}, then live pushes. */
  void add(HttpServerResponse response, List<EventLog.Entry> backlog) {
    response.setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    StringBuilder first = new StringBuilder("retry: 2000\n\n");
    first.append(frame(null, "snapshot", snapshot.get().encode()));
    for (EventLog.Entry e : backlog) {
      first.append(frame(e.id(), "event", e.toJson().encode()));
    }
    response.write(first.toString());
    clients.add(response);
    response.closeHandler(v -> clients.remove(response));
    response.exceptionHandler(err -> clients.remove(response));
  }

  int size() {
    return clients.size();
  }

  /** Something the snapshot shows has changed: push a new one soon. */
  void changed() {
    if (clients.isEmpty()) {
      return;
    }
    context.runOnContext(v -> {
      if (scheduled) {
        return;
      }
      scheduled = true;
      long wait = Math.max(1, lastPush + minGapMillis - System.currentTimeMillis());
      vertx.setTimer(wait, id -> push());
    });
  }

  private void push() {
    scheduled = false;
    lastPush = System.currentTimeMillis();
    if (clients.isEmpty()) {
      return;
    }
    broadcast(frame(null, "snapshot", snapshot.get().encode()));
  }

  /** Pushes one event to every browser at once (events are not coalesced). */
  void event(EventLog.Entry entry) {
    if (clients.isEmpty()) {
      return;
    }
    String data = frame(entry.id(), "event", entry.toJson().encode());
    context.runOnContext(v -> broadcast(data));
  }

  private void broadcast(String data) {
    for (HttpServerResponse r : clients) {
      if (r.closed() || r.ended()) {
        clients.remove(r);
      } else if (!r.writeQueueFull()) {
        r.write(data);
      }
    }
  }

  /** Ends every stream (the member is stopping); browsers reconnect to another member. */
  void closeAll() {
    for (HttpServerResponse r : clients) {
      try {
        r.end();
      } catch (RuntimeException ignored) {
        // already closed
      }
    }
    clients.clear();
  }

  private static String frame(Long id, String event, String json) {
    StringBuilder b = new StringBuilder();
    if (id != null) {
      b.append("id: ").append(id).append('\n');
    }
    return b.append("event: ").append(event).append('\n').append("data: ").append(json).append("\n\n").toString();
  }
}
