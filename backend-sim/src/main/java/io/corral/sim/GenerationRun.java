package io.corral.sim;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One generation request from arrival to its end: waits for a slot, then emits chunk after chunk on time.
 *
 * <p>Implementation notes. Everything runs on the request's event-loop context, so the state needs no lock;
 * the only cross-thread hand-off is the slot grant, which {@link SlotScheduler} delivers on this context.
 * Chunk {@code i < tokens} is due at {@code firstTokenAt + i / tokensPerSecond}; chunk {@code tokens} is the
 * end of the response, due with the last token. Faults are checked before each chunk (see {@link SimFaults}).
 * The pump never blocks: it waits for a timer when the next chunk is not due, for the drain handler when the
 * client reads slower than we write, and yields to the event loop every {@value #BURST} chunks when the rate is
 * unlimited. Exactly one continuation is pending at any time, and every continuation first checks the state,
 * because the client may have left meanwhile. The slot is released exactly once, on end, reset or disconnect.
 */
final class GenerationRun {

  private static final Logger log = LoggerFactory.getLogger(GenerationRun.class);
  private static final int BURST = 64;

  private enum State { WAITING, RUNNING, STALLED, ENDED }

  private final GenerationEngine engine;
  private final Vertx vertx;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final Context context;
  private final String model;
  private final GenerationPlan plan;
  private final GenerationOutput output;
  private final StringBuilder text = new StringBuilder();

  private State state = State.WAITING;
  private boolean clientGone;
  private SlotScheduler.Ticket ticket;
  private SlotScheduler.SlotGrant grant;
  private SimFaultState faults;
  private long arrivedAt;
  private long grantedAt;
  private long firstTokenAt;
  private long nanosPerToken;
  private int next;
  private boolean headersSent;
  private long timerId = -1;

  GenerationRun(GenerationEngine engine, RoutingContext ctx, String model, GenerationPlan plan,
      GenerationOutput output) {
    this.engine = engine;
    this.vertx = engine.vertx;
    this.request = ctx.request();
    this.response = ctx.response();
    this.context = vertx.getOrCreateContext();
    this.model = model;
    this.plan = plan;
    this.output = output;
  }

  void start() {
    arrivedAt = engine.nanoTime.getAsLong();
    response.closeHandler(v -> onClientGone());
    response.exceptionHandler(e -> log.debug("event=response-error path={} error={}", request.path(), e.toString()));
    ticket = engine.scheduler.request(context, model, this::onGranted);
  }

  private void onGranted(SlotScheduler.SlotGrant granted) {
    grant = granted;
    if (clientGone) {
      // The client left between the grant decision and its delivery: give the slot back at once.
      state = State.ENDED;
      grant.cancel();
      return;
    }
    state = State.RUNNING;
    SimBackendOptions options = engine.options();
    faults = engine.faults.state();
    grantedAt = engine.nanoTime.getAsLong();
    firstTokenAt = grantedAt + options.firstTokenDelay().toNanos() + faults.extraFirstTokenDelay().toNanos();
    nanosPerToken = options.tokensPerSecond() == 0 ? 0 : Math.round(1e9 / options.tokensPerSecond());
    if (plan.stream() && faults.headersFirst()) {
      sendStreamHeaders();
      response.writeHead();
    }
    pump();
  }

  /** When chunk {@code index} is due; the end chunk ({@code index == tokens}) comes with the last token. */
  private long dueAt(int index) {
    int tokenIndex = Math.max(0, Math.min(index, plan.tokens() - 1));
    return firstTokenAt + tokenIndex * nanosPerToken;
  }

  private void pump() {
    int burst = 0;
    while (state == State.RUNNING) {
      long wait = dueAt(next) - engine.nanoTime.getAsLong();
      if (wait > 0) {
        long millis = Math.max(1, (wait + 999_999) / 1_000_000);
        timerId = vertx.setTimer(millis, id -> {
          timerId = -1;
          pump();
        });
        return;
      }
      if (faults.stallsAt(next)) {
        log.debug("event=stall path={} chunk={}", request.path(), next);
        state = State.STALLED;
        return;
      }
      if (faults.resetsAt(next)) {
        log.debug("event=reset path={} chunk={}", request.path(), next);
        state = State.ENDED;
        AbruptClose.reset(request.connection());
        grant.cancel();
        return;
      }
      if (next == plan.tokens()) {
        finish();
        return;
      }
      emit(next++);
      if (plan.stream() && response.writeQueueFull()) {
        response.drainHandler(v -> {
          response.drainHandler(null);
          pump();
        });
        return;
      }
      if (++burst == BURST) {
        context.runOnContext(v -> pump());
        return;
      }
    }
  }

  private void emit(int index) {
    String token = TokenText.token(index);
    if (plan.stream()) {
      sendStreamHeaders();
      response.write(output.tokenChunk(index, token));
    } else {
      // Only a non-streamed body repeats the whole text; a long stream need not keep it.
      text.append(token);
    }
  }

  private void sendStreamHeaders() {
    if (!headersSent) {
      headersSent = true;
      response.setStatusCode(200).setChunked(true);
      output.prepareStream(response);
    }
  }

  private void finish() {
    state = State.ENDED;
    long now = engine.nanoTime.getAsLong();
    long firstToken = Math.min(now, Math.max(grantedAt, firstTokenAt));
    GenerationSummary summary = new GenerationSummary(text.toString(), plan.promptTokens(), plan.tokens(),
        grant.slotId(), grantedAt - arrivedAt, firstToken - grantedAt, now - firstToken, now - arrivedAt);
    // before the last write: a client may react to the end before this thread reaches grant.complete()
    grant.answered();
    if (plan.stream()) {
      sendStreamHeaders();
      response.end(output.streamEnd(summary));
    } else {
      response.setStatusCode(200);
      output.prepareBody(response);
      response.end(output.body(summary));
    }
    engine.totals.add(summary);
    grant.complete();
  }

  private void onClientGone() {
    clientGone = true;
    switch (state) {
      case WAITING -> {
        if (engine.scheduler.leave(ticket)) {
          state = State.ENDED;
          log.debug("event=left-queue path={}", request.path());
        }
        // else a grant is on its way; onGranted gives it back.
      }
      case RUNNING, STALLED -> {
        state = State.ENDED;
        if (timerId != -1) {
          vertx.cancelTimer(timerId);
          timerId = -1;
        }
        grant.cancel();
        log.debug("event=client-gone path={} chunk={}", request.path(), next);
      }
      case ENDED -> { }
    }
  }
}
