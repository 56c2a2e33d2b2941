package io.corral.bench.loadquality;

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
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop load: sends every arrival of a schedule at its due time, whatever happened to the earlier ones, and
 * reads each streamed answer to its end.
 *
 * <p>Implementation notes. A dedicated sender thread sleeps until each due time and hands the request to an
 * event-loop context (one per entry point); it never waits for answers, so a slow balancer cannot slow the
 * arrivals down (the lag between due and sent is recorded and reported). The HTTP/1.1 pool per entry point
 * holds up to {@value #POOL} keep-alive connections with an unbounded wait queue, far above the requests ever
 * outstanding at these loads, so the client never queues. Each exchange writes its own slot of the record array
 * exactly once, on its context, then counts down the latch; the caller reads the array after the latch, which
 * orders those reads after the writes.
 */
final class OpenLoopClient {

  private static final int POOL = 1024;
  /** Slack after the last arrival for the answers to come back before the run is declared stuck. */
  private static final long DRAIN_SLACK_MILLIS = 10_000;

  private final Vertx vertx;
  private final LoadOptions options;
  private final Buffer body;

  OpenLoopClient(Vertx vertx, LoadOptions options) {
    this.vertx = vertx;
    this.options = options;
    JsonObject request = new JsonObject()
        .put("model", "llama3")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user")
            .put("content", "Write a short answer for the load-quality benchmark.")))
        .put("stream", true)
        .put("options", new JsonObject().put("num_predict", options.tokens()));
    this.body = request.toBuffer();
  }

  /** Every request of one run, indexed by arrival number, and when the run's clock started. */
  record Run(RequestRecord[] records, long startedAt, long lastSentAt) {}

  /** Sends {@code schedule} to the entry points (arrival i to entry i % n) and waits for every answer. */
  Run run(List<URI> entries, String requiredHeader, ArrivalSchedule schedule) throws InterruptedException {
    HttpClientAgent client = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setPipelining(false).setTcpNoDelay(true)
            .setDecompressionSupported(false).setKeepAliveTimeout(120),
        new PoolOptions().setHttp1MaxSize(POOL).setMaxWaitQueueSize(-1));
    List<RequestOptions> targets = new ArrayList<>();
    List<Context> contexts = new ArrayList<>();
    for (URI u : entries) {
      targets.add(new RequestOptions().setMethod(HttpMethod.POST).setHost(u.getHost()).setPort(u.getPort())
          .setURI("/api/chat").putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .setIdleTimeout(options.requestTimeout().toMillis()));
      // from a non-Vert.x thread each call makes a new context, spread over the event loops
      contexts.add(vertx.getOrCreateContext());
    }
    int n = schedule.size();
    RequestRecord[] records = new RequestRecord[n];
    CountDownLatch finished = new CountDownLatch(n);
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
    for (int i = 0; i < n; i++) {
      int index = i;
      int entry = i % entries.size();
      long due = start + schedule.offset(i);
      parkUntil(due);
      contexts.get(entry).runOnContext(v -> new Exchange(client, targets.get(entry), requiredHeader, index, entry,
          due, records, finished).send());
    }
    long lastSent = System.nanoTime();
    long wait = options.requestTimeout().toMillis() + DRAIN_SLACK_MILLIS;
    boolean drained = finished.await(wait, TimeUnit.MILLISECONDS);
    client.close().toCompletionStage().toCompletableFuture().join();
    if (!drained) {
      throw new IllegalStateException(finished.getCount() + " requests did not end within " + wait
          + " ms after the last arrival");
    }
    return new Run(records, start, lastSent);
  }

  private static void parkUntil(long nanoTime) {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }

  /** One request and its streamed answer; records itself exactly once. */
  private final class Exchange {
    final HttpClientAgent client;
    final RequestOptions target;
    final String requiredHeader;
    final int index;
    final int entry;
    final long scheduledAt;
    final RequestRecord[] records;
    final CountDownLatch finished;
    final Buffer received = Buffer.buffer(4096);
    long sentAt;
    long firstByteAt = -1;
    int status;
    String member;
    String backend;
    long queueMs = -1;
    boolean done;

    Exchange(HttpClientAgent client, RequestOptions target, String requiredHeader, int index, int entry,
        long scheduledAt, RequestRecord[] records, CountDownLatch finished) {
      this.client = client;
      this.target = target;
      this.requiredHeader = requiredHeader;
      this.index = index;
      this.entry = entry;
      this.scheduledAt = scheduledAt;
      this.records = records;
      this.finished = finished;
    }

    void send() {
      sentAt = System.nanoTime();
      client.request(target)
          .compose(req -> req.send(body))
          .onComplete(ar -> {
            if (ar.failed()) {
              finish(ar.cause().toString());
              return;
            }
            HttpClientResponse response = ar.result();
            status = response.statusCode();
            member = response.getHeader("X-Corral-Member");
            backend = response.getHeader("X-Corral-Backend");
            if (backend == null) {
              backend = response.getHeader("X-Bench-Server");
            }
            queueMs = number(response.getHeader("X-Corral-Queue-Ms"),
                number(response.getHeader("X-Bench-Queue-Ms"), -1));
            if (status != 200 || (requiredHeader != null && response.getHeader(requiredHeader) == null)) {
              String why = status != 200 ? "HTTP " + status : "answer without header " + requiredHeader;
              response.body().onComplete(b -> finish(why + (b.succeeded() ? ": " + snippet(b.result()) : "")));
              return;
            }
            response.exceptionHandler(e -> finish(e.toString()));
            response.handler(chunk -> {
              if (firstByteAt < 0) {
                firstByteAt = System.nanoTime();
              }
              received.appendBuffer(chunk);
            });
            response.endHandler(v -> finish(checkBody()));
          });
    }

    private void finish(String error) {
      if (done) {
        return;
      }
      done = true;
      records[index] = new RequestRecord(index, entry, scheduledAt, sentAt, firstByteAt, System.nanoTime(), status,
          error, member, backend, queueMs);
      finished.countDown();
    }

    /** The answer must be {@code tokens} NDJSON chunks and a final {@code done:true} line, and no error line. */
    private String checkBody() {
      String text = received.toString(StandardCharsets.UTF_8);
      String[] lines = text.split("\n");
      if (lines.length != options.tokens() + 1 || !text.endsWith("\n")) {
        return "expected " + (options.tokens() + 1) + " NDJSON lines, got " + lines.length + ": "
            + snippet(received);
      }
      for (String line : lines) {
        if (line.startsWith("{\"error\"")) {
          return "error line: " + line.strip();
        }
      }
      if (!lines[lines.length - 1].contains("\"done\":true")) {
        return "last line is not done:true: " + lines[lines.length - 1].strip();
      }
      return null;
    }
  }

  private static long number(String header, long otherwise) {
    if (header == null || header.isBlank()) {
      return otherwise;
    }
    try {
      return Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }

  private static String snippet(Buffer b) {
    String s = b.toString(StandardCharsets.UTF_8).strip();
    return s.length() > 160 ? s.substring(0, 160) + "..." : s;
  }
}
