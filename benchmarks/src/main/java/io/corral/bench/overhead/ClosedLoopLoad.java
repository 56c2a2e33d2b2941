package io.corral.bench.overhead;

import io.corral.bench.ProcStat;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One phase of closed-loop load: {@code C} streams, each sending the next streaming chat request as soon as the
 * previous answer has been read to its end, for a warm-up and then a measured window.
 *
 * <p>Implementation notes. Each stream lives on one Vert.x context and owns its samples and counters, so the
 * hot path takes no lock; the main thread reads them only after every stream has counted down the stop latch
 * (which orders those reads after the streams' writes). A request is measured when it started at or after the
 * end of warm-up and finished by the end of the window; requests in flight at the end are finished but not
 * counted, so the window boundaries cost at most {@code C} requests. The HTTP/1.1 pool holds {@code C}
 * keep-alive connections and is fresh per phase (connections are opened during warm-up). TTFB is the first
 * body bytes, not the status line: a proxy may send headers before the backend has produced anything.
 */
final class ClosedLoopLoad {

  private static final long ERROR_BACKOFF_MS = 10;

  private final Vertx vertx;
  private final BenchOptions options;
  private final Buffer body;

  ClosedLoopLoad(Vertx vertx, BenchOptions options) {
    this.vertx = vertx;
    this.options = options;
    JsonObject request = new JsonObject()
        .put("model", options.model())
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user")
            .put("content", "Say hello to the benchmark in a few words.")))
        .put("stream", true)
        .put("options", new JsonObject().put("num_predict", options.tokens()));
    this.body = request.toBuffer();
  }

  PhaseResult run(BenchOptions.Target target, int round, int concurrency) throws InterruptedException {
    return run(target, round, concurrency, options.warmup(), options.measure());
  }

  PhaseResult run(BenchOptions.Target target, int round, int concurrency, Duration warmup, Duration measure)
      throws InterruptedException {
    HttpClientAgent client = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setPipelining(false).setTcpNoDelay(true)
            .setDecompressionSupported(false).setKeepAliveTimeout(120),
        new PoolOptions().setHttp1MaxSize(concurrency).setMaxWaitQueueSize(-1));
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost(target.host())
        .setPort(target.port()).setURI("/api/chat")
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .setIdleTimeout(options.requestTimeout().toMillis());

    long start = System.nanoTime();
    Window window = new Window(start + warmup.toNanos(), start + warmup.toNanos() + measure.toNanos());
    CountDownLatch stopped = new CountDownLatch(concurrency);
    List<Stream> streams = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      // from a non-Vert.x thread each call makes a new context, spread over the event loops
      Context context = vertx.getOrCreateContext();
      Stream s = new Stream(client, request, target, window, context, stopped);
      streams.add(s);
      context.runOnContext(v -> s.next());
    }

    sleepUntil(window.measureFrom);
    Map<String, Long> cpuBefore = cpuTicks();
    long[] machineBefore = ProcStat.machineTicks();
    long measuredFrom = System.nanoTime();
    sleepUntil(window.measureTo);
    long measuredTo = System.nanoTime();
    Map<String, Long> cpuAfter = cpuTicks();
    long[] machineAfter = ProcStat.machineTicks();

    long drainMillis = options.requestTimeout().toMillis() + 5_000;
    if (!stopped.await(drainMillis, TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("streams to " + target.name() + " did not stop within " + drainMillis + " ms");
    }
    client.close().toCompletionStage().toCompletableFuture().join();

    LatencySamples ttfb = new LatencySamples();
    LatencySamples total = new LatencySamples();
    long errors = 0;
    long warmupErrors = 0;
    long reads = 0;
    String firstError = null;
    for (Stream s : streams) {
      ttfb.addAll(s.ttfb);
      total.addAll(s.total);
      errors += s.errors;
      reads += s.reads;
      warmupErrors += s.warmupErrors;
      if (firstError == null) {
        firstError = s.firstError;
      }
    }
    Map<String, Long> used = new LinkedHashMap<>();
    cpuAfter.forEach((name, after) -> {
      Long before = cpuBefore.get(name);
      if (before != null) {
        used.put(name, after - before);
      }
    });
    return new PhaseResult(target.name(), round, concurrency, (measuredTo - measuredFrom) / 1e9, ttfb.summarize(),
        total.summarize(), total.size() == 0 ? 0 : reads / (double) total.size(), errors, warmupErrors, firstError,
        used, machineAfter[0] - machineBefore[0]);
  }

  private Map<String, Long> cpuTicks() {
    Map<String, Long> ticks = new LinkedHashMap<>();
    for (BenchOptions.WatchedProcess p : options.processes()) {
      OptionalLong t = ProcStat.cpuTicks(p.pid());
      if (t.isPresent()) {
        ticks.put(p.name(), t.getAsLong());
      }
    }
    ProcStat.cpuTicks(ProcStat.selfPid()).ifPresent(t -> ticks.put(ProxyOverheadBench.GENERATOR, t));
    return ticks;
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      TimeUnit.NANOSECONDS.sleep(left);
    }
  }

  /** The measured window in {@link System#nanoTime()} terms. */
  private record Window(long measureFrom, long measureTo) {}

  /** One closed-loop stream; all its fields are touched only on its own context until it stops. */
  private final class Stream {
    final HttpClientAgent client;
    final RequestOptions request;
    final BenchOptions.Target target;
    final Window window;
    final Context context;
    final CountDownLatch stopped;
    final LatencySamples ttfb = new LatencySamples();
    final LatencySamples total = new LatencySamples();
    long reads;
    long errors;
    long warmupErrors;
    String firstError;

    Stream(HttpClientAgent client, RequestOptions request, BenchOptions.Target target, Window window,
        Context context, CountDownLatch stopped) {
      this.client = client;
      this.request = request;
      this.target = target;
      this.window = window;
      this.context = context;
      this.stopped = stopped;
    }

    void next() {
      long now = System.nanoTime();
      if (now >= window.measureTo) {
        stopped.countDown();
        return;
      }
      new Exchange(this, now).send();
    }

    void succeeded(long sentAt, long firstByteAt, long endedAt, int bodyReads) {
      if (sentAt >= window.measureFrom && endedAt <= window.measureTo) {
        ttfb.add(firstByteAt - sentAt);
        total.add(endedAt - sentAt);
        reads += bodyReads;
      }
      next();
    }

    void failed(long sentAt, String why) {
      if (sentAt >= window.measureFrom) {
        errors++;
      } else {
        warmupErrors++;
      }
      if (firstError == null) {
        firstError = why;
      }
      // a refused or reset connection fails at once: back off a little instead of spinning
      vertx.setTimer(ERROR_BACKOFF_MS, id -> next());
    }
  }

  /** One request and its streamed answer; finishes its stream exactly once. */
  private final class Exchange {
    final Stream stream;
    final long sentAt;
    final Buffer received = Buffer.buffer(2048);
    long firstByteAt;
    int bodyReads;
    boolean finished;

    Exchange(Stream stream, long sentAt) {
      this.stream = stream;
      this.sentAt = sentAt;
    }

    void send() {
      stream.client.request(stream.request)
          .compose(req -> req.send(body))
          .onComplete(ar -> {
            if (ar.failed()) {
              fail(ar.cause().toString());
              return;
            }
            HttpClientResponse response = ar.result();
            String required = stream.target.requiredHeader();
            if (response.statusCode() != 200 || (required != null && response.getHeader(required) == null)) {
              String why = response.statusCode() != 200 ? "HTTP " + response.statusCode()
                  : "answer without header " + required;
              response.body().onComplete(b -> fail(why + (b.succeeded() ? ": " + snippet(b.result()) : "")));
              return;
            }
            response.exceptionHandler(e -> fail(e.toString()));
            response.handler(chunk -> {
              if (firstByteAt == 0) {
                firstByteAt = System.nanoTime();
              }
              bodyReads++;
              received.appendBuffer(chunk);
            });
            response.endHandler(v -> end());
          });
    }

    private void end() {
      long endedAt = System.nanoTime();
      String problem = checkBody();
      if (problem != null) {
        fail(problem);
        return;
      }
      if (!finished) {
        finished = true;
        stream.succeeded(sentAt, firstByteAt, endedAt, bodyReads);
      }
    }

    private void fail(String why) {
      if (!finished) {
        finished = true;
        stream.failed(sentAt, why);
      }
    }

    /** The answer must be {@code tokens} NDJSON chunks then a final {@code done:true} line. */
    private String checkBody() {
      int lines = 0;
      int lastLineStart = 0;
      int length = received.length();
      for (int i = 0; i < length; i++) {
        if (received.getByte(i) == '\n') {
          lines++;
          if (i < length - 1) {
            lastLineStart = i + 1;
          }
        }
      }
      if (lines != options.tokens() + 1) {
        return "expected " + (options.tokens() + 1) + " NDJSON lines, got " + lines + ": " + snippet(received);
      }
      String last = received.getString(lastLineStart, length, StandardCharsets.UTF_8.name());
      if (!last.contains("\"done\":true")) {
        return "last line is not done:true: " + last.strip();
      }
      return null;
    }
  }

  private static String snippet(Buffer b) {
    String s = b.toString(StandardCharsets.UTF_8).strip();
    return s.length() > 160 ? s.substring(0, 160) + "..." : s;
  }
}
