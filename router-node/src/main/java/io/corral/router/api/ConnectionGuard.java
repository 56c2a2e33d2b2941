package io.corral.router.api;

import io.corral.router.config.HttpLimits;
import io.corral.router.time.Ticker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps clients from holding a member's connections: a new connection must deliver a complete request head within
 * the header timeout, a connection with no request running is closed after the keep-alive timeout, and past the
 * connection cap new connections are closed at once.
 *
 * <p>Why not Vert.x's idle timeout: it closes a connection on which nothing was read or written for a while, and
 * a request waiting in the cluster queue, or for a cold model to load, is exactly such a connection. Here the
 * clock runs only while no request is in progress on the connection. Requests count from their head (the router
 * sees them) to the end of their answer or the connection's close; pipelined requests are served one at a time,
 * so the next one starts after the previous one ended.
 *
 * <p>One guard serves all of a member's ports (the cap is per member). Each connection's state is touched only on
 * its own event loop.
 */
public final class ConnectionGuard {

  private final Ticker ticker;

  /**
   * How long a connection refused mid-request stays open after its answer: closing at once, with the rest of the
   * client's request still unread, makes the kernel reset the connection, and the client may never read the answer.
   */
  public static final long LINGER_MILLIS = 500;

  private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
  private static final long REFUSAL_LOG_GAP_MS = 10_000;

  private final Vertx vertx;
  private final HttpLimits limits;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong timedOut = new AtomicLong();
  private final AtomicLong lastRefusalLog = new AtomicLong();
  private final Map<HttpConnection, Watch> watched = new ConcurrentHashMap<>();

  public ConnectionGuard(Vertx vertx, HttpLimits limits) {
    this(vertx, limits, Ticker.SYSTEM);
  }

  public ConnectionGuard(Vertx vertx, HttpLimits limits, Ticker ticker) {
    this.vertx = vertx;
    this.limits = limits;
    this.ticker = ticker;
  }

  /** The connection handler of every server of the member. */
  public void opened(HttpConnection connection) {
    if (open.incrementAndGet() > limits.maxConnections()) {
      open.decrementAndGet();
      long n = refused.incrementAndGet();
      long now = ticker.currentTimeMillis();
      long last = lastRefusalLog.get();
      if (now - last >= REFUSAL_LOG_GAP_MS && lastRefusalLog.compareAndSet(last, now)) {
        log.warn("event=connection_refused remote={} open={} max={} refusedTotal={} (over --max-connections)",
            connection.remoteAddress(), open.get(), limits.maxConnections(), n);
      }
      connection.close();
      return;
    }
    Watch watch = new Watch(connection);
    watched.put(connection, watch);
    connection.closeHandler(v -> {
      if (watched.remove(connection) != null) {
        watch.cancel();
        open.decrementAndGet();
      }
    });
    watch.awaitRequest(limits.headerTimeout().toMillis());
  }

  /** The first route of every router behind the guarded servers: marks a request running on its connection. */
  public void track(RoutingContext ctx) {
    Watch watch = watched.get(ctx.request().connection());
    if (watch != null) {
      watch.started();
      ctx.addEndHandler(v -> watch.ended());
    }
    ctx.next();
  }

  /** Publishes the guard's figures as {@code corral_http_connections*} meters. */
  public void register(MeterRegistry registry) {
    Gauge.builder("corral_http_connections", open, AtomicInteger::get)
        .description("Open client connections on this member's HTTP ports").register(registry);
    FunctionCounter.builder("corral_http_connections_refused_total", refused, AtomicLong::get)
        .description("Connections closed at once because --max-connections were open").register(registry);
    FunctionCounter.builder("corral_http_connections_timed_out_total", timedOut, AtomicLong::get)
        .description("Connections closed for sending no request head in time or idling past the keep-alive "
            + "timeout").register(registry);
  }

  public int open() {
    return open.get();
  }

  /** Connections closed because the cap was reached. */
  public long refused() {
    return refused.get();
  }

  /** Connections closed because no request head arrived in time, or they sat idle past the keep-alive timeout. */
  public long timedOut() {
    return timedOut.get();
  }

  private final class Watch {
    private final HttpConnection connection;
    private int running;
    private long timer = -1;

    Watch(HttpConnection connection) {
      this.connection = connection;
    }

    void started() {
      running++;
      cancel();
    }

    void ended() {
      if (--running <= 0) {
        running = 0;
        awaitRequest(limits.keepAliveTimeout().toMillis());
      }
    }

    void awaitRequest(long millis) {
      cancel();
      timer = vertx.setTimer(millis, id -> {
        timer = -1;
        if (running == 0) {
          timedOut.incrementAndGet();
          log.debug("event=connection_timed_out remote={} after_ms={}", connection.remoteAddress(), millis);
          connection.close();
        }
      });
    }

    void cancel() {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }
}
