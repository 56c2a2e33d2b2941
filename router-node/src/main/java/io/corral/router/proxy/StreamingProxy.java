package io.corral.router.proxy;

import io.corral.cluster.backends.BackendId;
import io.corral.cluster.backends.BackendTimeouts;
import io.corral.router.protocol.ApiErrors;
import io.corral.router.protocol.ApiFamily;
import io.corral.router.time.Ticker;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards one request to one backend and streams the answer back chunk by chunk, as it arrives.
 *
 * <p>Implementation notes. The response body is pumped by hand rather than with {@code pipeTo} because the pump
 * also has to (1) respect back-pressure: when the client's write queue is full the backend response is paused,
 * so a slow client never makes the router buffer a whole answer; (2) time the backend: a first-byte timeout
 * (long, for cold model loads) until the first body byte arrives (not the headers: some servers send those before
 * they have computed anything), then an idle timeout between chunks, which
 * does not run while the client is the one holding things up; (3) end a broken stream with an error record in
 * the stream's own framing. A client that disconnects resets the upstream request, so the backend sees its
 * connection closed and stops generating. Everything runs on the request's event loop.
 */
public final class StreamingProxy {

  private static final Logger log = LoggerFactory.getLogger(StreamingProxy.class);

  private final Vertx vertx;
  private final HttpClient client;
  private final Duration firstByteTimeout;
  private final Ticker ticker;
  private final Duration idleTimeout;

  private final Duration slowClientTimeout;
  private final Predicate<String> forwardsAuth;
  private final Function<BackendId, Future<SocketAddress>> connectTargets;

  /**
   * @param slowClientTimeout how long a client may leave a full write buffer unread: then its slot is freed and
   *                          it is disconnected (back-pressure bounds the memory, this bounds the time)
   */
  public StreamingProxy(Vertx vertx, HttpClient client, Duration firstByteTimeout, Duration idleTimeout,
      Duration slowClientTimeout) {
    this(vertx, client, firstByteTimeout, idleTimeout, slowClientTimeout, id -> false,
        id -> Future.succeededFuture(SocketAddress.inetSocketAddress(id.port(), id.host())), Ticker.SYSTEM);
  }

  /**
   * @param forwardsAuth   whether a backend (by id) gets the clients' {@code Authorization} and {@code Cookie}
   *                       headers (the operator said {@code ;forward-auth}); without it they never leave corral
   * @param connectTargets the address to connect to for a backend (resolved, and refused outside the allowed ranges
   *                       where its origin asks for it); a failure is a connect failure
   */
  public StreamingProxy(Vertx vertx, HttpClient client, Duration firstByteTimeout, Duration idleTimeout,
      Duration slowClientTimeout, Predicate<String> forwardsAuth,
      Function<BackendId, Future<SocketAddress>> connectTargets, Ticker ticker) {
    this.ticker = ticker;
    this.forwardsAuth = forwardsAuth;
    this.connectTargets = connectTargets;
    this.slowClientTimeout = slowClientTimeout;
    this.vertx = vertx;
    this.client = client;
    this.firstByteTimeout = firstByteTimeout;
    this.idleTimeout = idleTimeout;
  }

  /**
   * Sends {@code call}'s request to its backend and streams the answer into its response. The future never fails;
   * it completes when the exchange is over, however it ended. A failure before the first byte reached the client
   * (connect error, reset, a {@link ProxyOutcome#FAILOVER_STATUSES} answer, no body byte within the first-byte
   * timeout) is answered here unless the call asks for failover ({@link ProxyCall#failover()}).
   */
  public Future<ProxyOutcome> forward(ProxyCall call) {
    BackendTimeouts timeouts = call.timeouts();
    Exchange ex = new Exchange(call.request(), call.response(), call.body(), call.backend(), call.family(),
        call.requestId(), call.failover(), timeouts.firstToken(firstByteTimeout), timeouts.idle(idleTimeout),
        timeouts.connectMillis(), call.race(), call.onWin());
    ex.start(call.clientGone());
    return ex.promise.future();
  }

  private final class Exchange {
    final HttpServerRequest request;
    final HttpServerResponse response;
    final Buffer body;
    final BackendId backend;
    final ApiFamily family;
    final String requestId;
    final boolean failover;
    final Duration firstByteTimeout;
    final Duration idleTimeout;
    /** This backend's own connect timeout, or 0 for the client's global one. */
    final long connectMillis;
    final FirstByteRace race;
    final Runnable onWin;
    final Promise<ProxyOutcome> promise = Promise.promise();
    final long startNanos = ticker.nanoTime();

    HttpClientRequest upstream;
    HttpClientResponse upstreamResponse;
    StreamFraming framing = StreamFraming.OTHER;
    boolean atLineStart = true;
    boolean pausedByClient;
    /** Records streamed so far, and when the first arrived: the stream's generation speed. */
    long records;
    long firstChunkNanos = -1;
    long pausedSinceNanos;
    long lastChunkNanos;
    long firstByteNanos = -1;
    long timerId = -1;
    /** Set once the exchange is over or being torn down; every callback checks it first (resets re-enter). */
    boolean finished;
    /** Set at the first body byte: this backend's status and headers are the client's from then on. */
    boolean committed;

    Exchange(HttpServerRequest request, HttpServerResponse response, Buffer body, BackendId backend,
        ApiFamily family, String requestId, boolean failover, Duration firstByteTimeout, Duration idleTimeout,
        long connectMillis, FirstByteRace race, Runnable onWin) {
      this.race = race;
      this.onWin = onWin;
      this.failover = failover;
      this.firstByteTimeout = firstByteTimeout;
      this.idleTimeout = idleTimeout;
      this.connectMillis = connectMillis;
      this.request = request;
      this.response = response;
      this.body = body;
      this.backend = backend;
      this.family = family;
      this.requestId = requestId;
    }

    void start(Future<Void> clientGone) {
      clientGone.onComplete(v -> clientGone());
      if (race != null) {
        race.enter(this, this::lostRace);
      }
      RequestOptions options = new RequestOptions()
          .setMethod(request.method())
          .setHost(backend.host())
          .setPort(backend.port())
          .setSsl(backend.ssl())
          .setURI(request.uri());
      if (connectMillis > 0) {
        options.setConnectTimeout(connectMillis);
      }
      MultiMap headers = MultiMap.caseInsensitiveMultiMap();
      ForwardedHeaders.copyRequestHeaders(request.headers(), headers, forwardsAuth.test(backend.value()));
      headers.set("X-Request-Id", requestId);
      options.setHeaders(headers);
      timerId = vertx.setTimer(firstByteTimeout.toMillis(), id -> noFirstByte());
      // the address the connect goes to, checked where the backend's origin asks for it; resolved off the loop
      connectTargets.apply(backend).onComplete(target -> {
        if (finished) {
          return;
        }
        if (target.failed()) {
          connectFailed(target.cause());
          return;
        }
        send(options.setServer(target.result()), true);
      });
    }

    /**
     * Sends the request. A pooled keep-alive connection that the backend closed just as it was reused fails with
     * {@link HttpClosedException} before any response: the backend never read the request (llama-server closes
     * after a stream), so it is sent once more on a fresh connection. Other failures are answered at once.
     */
    void send(RequestOptions options, boolean mayRetryClosed) {
      client.request(options).onComplete(ar -> {
        if (finished) {
          if (ar.succeeded()) {
            ar.result().reset();
          }
          return;
        }
        if (ar.failed()) {
          connectFailed(ar.cause());
          return;
        }
        upstream = ar.result();
        upstream.send(body).onComplete(sent -> {
          if (finished) {
            return;
          }
          if (sent.failed()) {
            if (mayRetryClosed && sent.cause() instanceof HttpClosedException) {
              log.debug("event=stale_connection_retry request={} backend={}", requestId, backend);
              send(options, false);
            } else {
              connectFailed(sent.cause());
            }
            return;
          }
          onResponse(sent.result());
        });
      });
    }

    /**
     * The backend's headers are in, but nothing is decided yet: some servers (vLLM and others built on
     * FastAPI/Starlette) send them before they have computed a token. Until the first body byte the first-byte
     * timeout keeps running, a failure can still fail over, and a hedged copy has not won; the client sees nothing of this
     * answer before {@link #commit()}.
     */
    void onResponse(HttpClientResponse resp) {
      if (finished) {
        upstream.reset();
        return;
      }
      upstreamResponse = resp;
      if (failover && ProxyOutcome.FAILOVER_STATUSES.contains(resp.statusCode())) {
        // not sent on: the caller tries another backend, so this answer's body is not needed
        unanswered(ProxyOutcome.Result.BACKEND_REFUSED, resp.statusCode(),
            "backend " + backend + " answered " + resp.statusCode());
        resetUpstream();
        return;
      }
      if (failover && ProxyOutcome.serverError(resp.statusCode())) {
        holdServerError(resp);
        return;
      }
      if (failover && resp.statusCode() == 501) {
        unanswered(ProxyOutcome.Result.UNSUPPORTED, 501,
            "backend " + backend + " does not implement " + request.path());
        resetUpstream();
        return;
      }
      framing = StreamFraming.of(resp.getHeader("Content-Type"));
      resp.handler(this::onChunk);
      resp.endHandler(v -> {
        if (!finished && commit()) {
          // finished first: on HTTP/2 (a client that upgraded with h2c) ending the response closes the stream at
          // once, and that close must not be taken for a client that went away
          finish(ProxyOutcome.Result.COMPLETED, resp.statusCode());
          response.end();
        }
      });
      resp.exceptionHandler(err -> broken(ProxyOutcome.Result.BACKEND_FAILED,
          "backend " + backend + " broke off the response: " + describe(err)));
    }

    /**
     * The first body byte (or the end of an empty answer): this backend answers the client from here on. False
     * when another copy of a hedged request won first.
     */
    boolean commit() {
      if (committed) {
        return true;
      }
      if (race != null && !race.claim(this)) {
        return false; // another copy answered first; claiming cancelled this one already
      }
      committed = true;
      firstByteNanos = ticker.nanoTime() - startNanos;
      lastChunkNanos = ticker.nanoTime();
      cancelTimer();
      onWin.run();
      HttpClientResponse resp = upstreamResponse;
      response.setStatusCode(resp.statusCode());
      if (resp.statusMessage() != null) {
        response.setStatusMessage(resp.statusMessage());
      }
      ForwardedHeaders.copyResponseHeaders(resp.headers(), response.headers());
      if (resp.getHeader("Content-Length") == null) {
        response.setChunked(true);
      }
      armIdleTimer(idleTimeout.toMillis());
      return true;
    }

    void onChunk(Buffer chunk) {
      if (finished || !commit()) {
        return;
      }
      lastChunkNanos = ticker.nanoTime();
      if (firstChunkNanos < 0) {
        firstChunkNanos = lastChunkNanos;
      }
      records += framing.recordsIn(chunk);
      if (chunk.length() > 0) {
        atLineStart = chunk.getByte(chunk.length() - 1) == '\n';
      }
      response.write(chunk);
      if (response.writeQueueFull()) {
        // the client reads slower than the backend writes: stop reading from the backend until it catches up
        pausedByClient = true;
        pausedSinceNanos = ticker.nanoTime();
        upstreamResponse.pause();
        response.drainHandler(v -> {
          pausedByClient = false;
          lastChunkNanos = ticker.nanoTime();
          if (!finished) {
            upstreamResponse.resume();
          }
        });
      }
    }

    void armIdleTimer(long delayMillis) {
      timerId = vertx.setTimer(Math.max(1, delayMillis), id -> {
        timerId = -1;
        if (finished) {
          return;
        }
        long silentMillis = (ticker.nanoTime() - lastChunkNanos) / 1_000_000;
        long pausedMillis = pausedByClient ? (ticker.nanoTime() - pausedSinceNanos) / 1_000_000 : 0;
        if (pausedMillis >= slowClientTimeout.toMillis()) {
          slowClient(pausedMillis);
          return;
        }
        if (pausedByClient || silentMillis < idleTimeout.toMillis()) {
          armIdleTimer(pausedByClient ? Math.min(idleTimeout.toMillis(), slowClientTimeout.toMillis() - pausedMillis)
              : idleTimeout.toMillis() - silentMillis);
          return;
        }
        broken(ProxyOutcome.Result.STALLED,
            "backend " + backend + " stalled: no data for " + silentMillis + " ms (idle timeout " + idleTimeout
                .toMillis() + " ms)");
      });
    }

    void noFirstByte() {
      timerId = -1;
      if (finished) {
        return;
      }
      long millis = firstByteTimeout.toMillis();
      String message = "backend " + backend + " sent no answer within "
          + (millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms");
      if (failover) {
        unanswered(ProxyOutcome.Result.NO_FIRST_BYTE, 504, message);
        resetUpstream();
        return;
      }
      finish(ProxyOutcome.Result.NO_FIRST_BYTE, 504);
      resetUpstream();
      ApiErrors.send(response, family, 504, message, "backend_timeout");
    }

    void connectFailed(Throwable err) {
      String message = "backend " + backend + " is unreachable: " + describe(err);
      if (failover) {
        unanswered(ProxyOutcome.Result.CONNECT_FAILED, 502, message);
        return;
      }
      finish(ProxyOutcome.Result.CONNECT_FAILED, 502);
      ApiErrors.send(response, family, 502, message, "backend_unreachable");
    }

    /** The backend failed after its headers reached us. */
    void broken(ProxyOutcome.Result result, String message) {
      if (finished) {
        return;
      }
      log.warn("event=stream_broken request={} backend={} result={} reason=\"{}\"", requestId, backend, result,
          message);
      if (!response.headWritten() && failover) {
        unanswered(result, 502, message);
        resetUpstream();
        return;
      }
      if (!response.headWritten()) {
        finish(result, 502);
        resetUpstream();
        ApiErrors.send(response, family, 502, message, "backend_error");
        return;
      }
      finish(result, response.getStatusCode());
      resetUpstream();
      Buffer record = framing.errorRecord(message, atLineStart);
      if (record != null) {
        response.end(record);
      } else {
        response.reset();
      }
    }

    /** The client has not read its answer for too long: free the backend and the slot, and hang up on it. */
    void slowClient(long pausedMillis) {
      log.warn("event=slow_client request={} backend={} unread_ms={}", requestId, backend, pausedMillis);
      finish(ProxyOutcome.Result.SLOW_CLIENT, response.getStatusCode());
      resetUpstream();
      response.reset();
    }

    /** Another copy of this request got its first byte first. */
    void lostRace() {
      if (finished) {
        return;
      }
      settle(new ProxyOutcome(ProxyOutcome.Result.HEDGE_LOST, 0, firstByteNanos, false,
          "another copy of the request answered first"));
      resetUpstream();
    }

    void clientGone() {
      if (finished) {
        return;
      }
      finish(ProxyOutcome.Result.CLIENT_GONE, 499);
      resetUpstream();
    }

    /**
     * A backend's own error before the first byte, with another backend to try: read what it says (a few KiB at
     * most, within the first-byte timeout), then leave the answer unsent, so the caller can tell a poison request
     * (it fails everywhere) from a failing backend.
     */
    void holdServerError(HttpClientResponse resp) {
      Buffer said = Buffer.buffer();
      Runnable settle = () -> {
        if (!finished) {
          unanswered(ProxyOutcome.Result.SERVER_ERROR, resp.statusCode(), "backend " + backend + " answered "
              + resp.statusCode() + ": " + ErrorMessages.of(said));
          resetUpstream();
        }
      };
      resp.handler(chunk -> {
        if (said.length() < ProxyOutcome.ERROR_BODY_LIMIT) {
          said.appendBuffer(chunk, 0, Math.min(chunk.length(), ProxyOutcome.ERROR_BODY_LIMIT - said.length()));
        }
        if (said.length() >= ProxyOutcome.ERROR_BODY_LIMIT) {
          settle.run();
        }
      });
      resp.endHandler(v -> settle.run());
      resp.exceptionHandler(err -> settle.run());
    }

    void resetUpstream() {
      if (upstream != null) {
        upstream.reset();
      }
    }

    void cancelTimer() {
      if (timerId >= 0) {
        vertx.cancelTimer(timerId);
        timerId = -1;
      }
    }

    void finish(ProxyOutcome.Result result, int status) {
      boolean measured = result == ProxyOutcome.Result.COMPLETED && records > framing.closingRecords() + 1;
      settle(new ProxyOutcome(result, status, firstByteNanos, true, "",
          measured ? records - framing.closingRecords() : 0, measured ? lastChunkNanos - firstChunkNanos : 0));
    }

    /** Over before the first byte, nothing sent to the client: the caller fails over or answers. */
    void unanswered(ProxyOutcome.Result result, int status, String message) {
      log.info("event=failover_candidate request={} backend={} result={} status={} reason=\"{}\"", requestId,
          backend, result, status, message);
      settle(new ProxyOutcome(result, status, firstByteNanos, false, message));
    }

    private void settle(ProxyOutcome outcome) {
      if (finished) {
        return;
      }
      finished = true;
      cancelTimer();
      if (outcome.result() != ProxyOutcome.Result.COMPLETED) {
        // Close the backend connection before the outcome goes out: completing the promise releases the slot
        // lease, and the backend must see this request gone before the ledger hands its slot to the next one,
        // or it holds one request more than its slots for a moment (the chaos suite's stall scenario saw 3 on 2).
        resetUpstream();
      }
      promise.complete(outcome);
    }
  }

  private static String describe(Throwable err) {
    return err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
  }
}
