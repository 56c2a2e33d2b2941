package io.corral.router.api;

import io.corral.router.protocol.ApiErrors;
import io.corral.router.protocol.ApiFamily;
import io.corral.router.time.Ticker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the bytes of request bodies a member holds at once. A body is read whole, parsed, held while its request
 * waits in the queue and kept until the answer ends (a failover resends it); a dozen large prompts waiting together
 * could otherwise take the heap. A request is admitted before its body is read: its declared length (or, when it
 * is sent in chunks and declares none, the body limit) must fit in what is left, else it gets 503 with
 * {@code Retry-After} in its API's shape and its connection is closed without reading the body. The reservation is
 * returned when the answer ends or the connection closes.
 *
 * <p>A body larger than the body limit is not reserved: the body handler refuses it with 413 as before.
 */
public final class BodyBudget {

  private final Ticker ticker;

  private static final Logger log = LoggerFactory.getLogger(BodyBudget.class);
  static final String RETRY_AFTER_SECONDS = "2";
  private static final long LOG_GAP_MS = 10_000;

  private final Vertx vertx;
  private final long capacity;
  private final long maxBodySize;
  private final AtomicLong held = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong lastLog = new AtomicLong();

  public BodyBudget(Vertx vertx, long capacity, long maxBodySize) {
    this(vertx, capacity, maxBodySize, Ticker.SYSTEM);
  }

  public BodyBudget(Vertx vertx, long capacity, long maxBodySize, Ticker ticker) {
    this.ticker = ticker;
    if (capacity < 1) {
      throw new IllegalArgumentException("body memory must be positive");
    }
    this.vertx = vertx;
    this.capacity = capacity;
    this.maxBodySize = maxBodySize;
  }

  /** A route handler placed before the body handlers. */
  public void admit(RoutingContext ctx) {
    long need = reservation(ctx.request());
    if (need <= 0) {
      ctx.next();
      return;
    }
    if (!tryReserve(need)) {
      refuse(ctx, need);
      return;
    }
    ctx.addEndHandler(v -> held.addAndGet(-need));
    ctx.next();
  }

  /** Publishes the budget as {@code corral_body_memory*} meters. */
  public void register(MeterRegistry registry) {
    Gauge.builder("corral_body_memory_held_bytes", held, AtomicLong::get)
        .description("Bytes of request bodies this member holds now").register(registry);
    Gauge.builder("corral_body_memory_capacity_bytes", () -> capacity)
        .description("Bytes of request bodies this member may hold (--body-memory)").register(registry);
    FunctionCounter.builder("corral_body_memory_refused_total", refused, AtomicLong::get)
        .description("Requests refused with 503 because their body did not fit").register(registry);
  }

  /** Bytes held by admitted requests now. */
  public long held() {
    return held.get();
  }

  public long capacity() {
    return capacity;
  }

  public long refused() {
    return refused.get();
  }

  private long reservation(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null) {
      try {
        long declared = Long.parseLong(length.trim());
        // over the limit: the body handler answers 413 without reading it, nothing to hold
        return declared > maxBodySize ? 0 : declared;
      } catch (NumberFormatException e) {
        return 0; // the HTTP decoder refuses such a request before it gets here
      }
    }
    String encoding = request.getHeader(HttpHeaders.TRANSFER_ENCODING);
    return encoding != null && encoding.toLowerCase(java.util.Locale.ROOT).contains("chunked") ? maxBodySize : 0;
  }

  private boolean tryReserve(long need) {
    while (true) {
      long now = held.get();
      // one body alone always fits, so a limit below the body limit cannot refuse every large request forever
      if (now > 0 && now + need > capacity) {
        return false;
      }
      if (held.compareAndSet(now, now + need)) {
        return true;
      }
    }
  }

  private void refuse(RoutingContext ctx, long need) {
    long n = refused.incrementAndGet();
    long now = ticker.currentTimeMillis();
    long last = lastLog.get();
    if (now - last >= LOG_GAP_MS && lastLog.compareAndSet(last, now)) {
      log.warn("event=body_memory_full held={} need={} capacity={} refusedTotal={} (raise --body-memory or the heap)",
          held.get(), need, capacity, n);
    }
    // the body stays unread: the connection cannot carry another request, and closes shortly after the answer
    // (at once, the kernel would reset it with the body unread and the client might never see the 503)
    ctx.addEndHandler(v -> vertx.setTimer(ConnectionGuard.LINGER_MILLIS, id -> ctx.request().connection().close()));
    ctx.response().putHeader("Retry-After", RETRY_AFTER_SECONDS).putHeader("Connection", "close");
    ApiErrors.send(ctx.response(), ApiFamily.ofPath(ctx.request().path()), 503, "this member holds as many request "
        + "bodies as its memory allows (" + capacity + " bytes); retry shortly or send it to another member",
        "overloaded");
  }
}
