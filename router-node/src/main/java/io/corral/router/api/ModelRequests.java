package io.corral.router.api;

import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.backends.ModelNames;
import io.corral.cluster.events.EventStream;
import io.corral.cluster.ledger.Conversation;
import io.corral.cluster.ledger.Strategy;
import io.corral.router.metrics.RouterMetrics;
import io.corral.router.protocol.ApiErrors;
import io.corral.router.protocol.ApiFamily;
import io.corral.router.proxy.FirstByteRace;
import io.corral.router.proxy.ProxyCall;
import io.corral.router.proxy.ProxyOutcome;
import io.corral.router.proxy.StreamingProxy;
import io.corral.router.routing.AdmissionRefused;
import io.corral.router.routing.BackendBreakers;
import io.corral.router.routing.BackendSelector;
import io.corral.router.routing.HealthRecheck;
import io.corral.router.routing.HedgePolicy;
import io.corral.router.routing.RouteRequest;
import io.corral.router.routing.SlotLease;
import io.corral.router.routing.WarmModels;
import io.corral.router.time.Ticker;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The path every model request takes, for both API families: validate the body, find the backends that serve the
 * model through the API called, take a slot lease, forward, release; on a failure before the first byte, release
 * and try another backend (bounded; {@code X-Corral-Attempts} tells how many). Errors are answered in the caller's API
 * shape before anything is forwarded.
 *
 * <p>Runs on the request's event loop; touches only local views, never blocks.
 */
public final class ModelRequests {

  private static final Logger log = LoggerFactory.getLogger(ModelRequests.class);

  private final BackendRegistry backends;
  private final BackendSelector selector;
  private final StreamingProxy proxy;
  private final RouterMetrics metrics;
  private final Strategy defaultStrategy;
  private final BackendBreakers breakers;
  private final int maxRetries;
  private final HedgePolicy hedge;
  private final EventStream events;
  private final GenerationObserver generation;
  /** Learns from completed requests which models are loaded where (ahead of the next probe). */
  private final WarmModels warm;
  /** Whether continuing chats go back to the backend of their last turn (see {@link ConversationKeys}). */
  private final boolean stickyConversations;
  private final UnsupportedEndpoints unsupported;
  private final Ticker ticker;
  private final HealthRecheck recheck;

  /**
   * @param maxRetries how many other backends a request may try after a failure before its first byte
   * @param events     where failovers and failed requests are announced; null for none
   */
  public ModelRequests(BackendRegistry backends, BackendSelector selector, StreamingProxy proxy,
      RouterMetrics metrics, Strategy defaultStrategy, BackendBreakers breakers, int maxRetries, HedgePolicy hedge,
      EventStream events, GenerationObserver generation, WarmModels warm, boolean stickyConversations) {
    this(backends, selector, proxy, metrics, defaultStrategy, breakers, maxRetries, hedge, events, generation, warm,
        stickyConversations, null);
  }

  /**
   * @param recheck asks a backend's probe whether it is well when its error cannot be told apart from a bad request
   *                (it was the only backend to try); null: such errors count against the backend as any other
   */
  public ModelRequests(BackendRegistry backends, BackendSelector selector, StreamingProxy proxy,
      RouterMetrics metrics, Strategy defaultStrategy, BackendBreakers breakers, int maxRetries, HedgePolicy hedge,
      EventStream events, GenerationObserver generation, WarmModels warm, boolean stickyConversations,
      HealthRecheck recheck) {
    this(backends, selector, proxy, metrics, defaultStrategy, breakers, maxRetries, hedge, events, generation, warm,
        stickyConversations, recheck, Ticker.SYSTEM);
  }

  /** @param ticker the clock of request timing (queue wait, latency, when an unsupported endpoint is retried) */
  public ModelRequests(BackendRegistry backends, BackendSelector selector, StreamingProxy proxy,
      RouterMetrics metrics, Strategy defaultStrategy, BackendBreakers breakers, int maxRetries, HedgePolicy hedge,
      EventStream events, GenerationObserver generation, WarmModels warm, boolean stickyConversations,
      HealthRecheck recheck, Ticker ticker) {
    this.ticker = ticker;
    this.unsupported = new UnsupportedEndpoints(Duration.ofMinutes(10), ticker);
    this.recheck = recheck;
    this.stickyConversations = stickyConversations;
    this.warm = warm;
    this.generation = generation;
    this.hedge = hedge;
    this.breakers = breakers;
    this.maxRetries = maxRetries;
    this.events = events;
    this.backends = backends;
    this.selector = selector;
    this.proxy = proxy;
    this.metrics = metrics;
    this.defaultStrategy = defaultStrategy;
  }

  /** Handles a POST whose JSON body names a {@code model}. {@code route} labels metrics. */
  public void handle(RoutingContext ctx, ApiFamily family, String route) {
    long arrival = ticker.nanoTime();
    String requestId = RequestIds.of(ctx);
    Future<Void> clientGone = RequestIds.clientGone(ctx);
    int priority;
    Strategy strategy;
    try {
      priority = priorityOf(ctx.request().getHeader("X-Priority"));
      strategy = strategyOf(ctx.request().getHeader("X-Corral-Strategy"));
    } catch (IllegalArgumentException e) {
      reject(ctx, family, route, arrival, 400, e.getMessage(), "invalid_header");
      return;
    }
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      reject(ctx, family, route, arrival, 400, "request body is required: a JSON object with a \"model\"",
          "missing_body");
      return;
    }
    JsonObject json;
    try {
      Object parsed = io.vertx.core.json.Json.decodeValue(body);
      if (!(parsed instanceof JsonObject o)) {
        reject(ctx, family, route, arrival, 400, "request body must be a JSON object", "invalid_json");
        return;
      }
      json = o;
    } catch (DecodeException e) {
      reject(ctx, family, route, arrival, 400, "invalid JSON in request body: " + firstLine(e.getMessage()),
          "invalid_json");
      return;
    }
    Object modelValue = json.getValue("model");
    if (!(modelValue instanceof String raw) || raw.isBlank()) {
      reject(ctx, family, route, arrival, 400, "model is required", "missing_model");
      return;
    }
    Object stream = json.getValue("stream");
    if (stream != null && !(stream instanceof Boolean)) {
      reject(ctx, family, route, arrival, 400, "\"stream\" must be true or false", "invalid_stream");
      return;
    }
    String model = ModelNames.normalize(raw);
    Conversation conversation = stickyConversations
        ? ConversationKeys.of(ctx.request().getHeader(ConversationKeys.SESSION_HEADER), json, model)
        : Conversation.NONE;
    route(new Call(ctx, family, route, arrival, requestId, body, raw, model, priority, strategy, clientGone,
        hedge.appliesTo(model), conversation));
  }

  /**
   * One client request across its attempts: a failure before the first byte reached the client sends it to
   * another eligible backend (the failed ones excluded), keeping its place in the cluster-wide order.
   */
  private static final class Call {
    final RoutingContext ctx;
    final ApiFamily family;
    final String route;
    final long arrival;
    final String requestId;
    final Buffer body;
    final String raw;
    final String model;
    final int priority;
    final Strategy strategy;
    final Future<Void> clientGone;
    final Conversation conversation;
    final Set<String> excluded = new HashSet<>();
    /** Set when the request is hedged: its copies race to the first byte. */
    final FirstByteRace race;
    int attempts;
    /** Copies running now (two while a hedge races the first). */
    int running;
    long hedgeTimer = -1;
    long arrivalSeq = -1;
    ProxyOutcome lastFailure;
    /**
     * The first backend that answered this request with its own error ({@link ProxyOutcome#serverError}): not counted
     * against it until another backend shows whose fault it was (its outcome and duration kept for then).
     */
    String suspect;
    ProxyOutcome suspectOutcome;
    long suspectNanos;
    /** A second backend failed the same way: the request is at fault; it is answered with the error, no retry. */
    boolean poison;

    Call(RoutingContext ctx, ApiFamily family, String route, long arrival, String requestId, Buffer body,
        String raw, String model, int priority, Strategy strategy, Future<Void> clientGone, boolean hedged,
        Conversation conversation) {
      this.conversation = conversation;
      this.race = hedged ? new FirstByteRace() : null;
      this.ctx = ctx;
      this.family = family;
      this.route = route;
      this.arrival = arrival;
      this.requestId = requestId;
      this.body = body;
      this.raw = raw;
      this.model = model;
      this.priority = priority;
      this.strategy = strategy;
      this.clientGone = clientGone;
    }
  }

  /**
   * Backends that could take the call now: up, serving the model through its API, circuit closed, not tried, and
   * not known to lack the endpoint.
   */
  private List<BackendState> eligible(Call c) {
    return backends.all().stream()
        .filter(b -> b.isUp() && servesFamily(b, c.family) && b.serves(c.model) && breakers.allows(b.id())
            && !c.excluded.contains(b.id()) && !unsupported.lacks(b.id(), c.route))
        .toList();
  }

  private void route(Call c) {
    List<BackendState> candidates = eligible(c);
    if (candidates.isEmpty()) {
      if (c.lastFailure == null && c.excluded.isEmpty() && backends.all().stream().anyMatch(b -> b.isUp()
          && servesFamily(b, c.family) && b.serves(c.model) && unsupported.lacks(b.id(), c.route))) {
        reject(c, 501, "no backend serving '" + c.raw + "' implements " + c.ctx.request().path() + " (a "
            + "llama-server needs --embeddings for embeddings)", "not_implemented");
        return;
      }
      if (c.lastFailure != null) {
        answerLastFailure(c);
      } else {
        noBackend(c.ctx, c.family, c.route, c.arrival, c.raw, c.model);
      }
      return;
    }
    selector.acquire(new RouteRequest(c.requestId, c.model, candidates, c.priority, c.strategy, c.clientGone,
            c.arrivalSeq, true, c.conversation))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            forward(c, ar.result());
          } else if (ar.cause() instanceof AdmissionRefused refused) {
            if (refused.status() == 499) {
              metrics.requestFinished(c.route, "none", 499, Duration.ofNanos(ticker.nanoTime() - c.arrival));
              return;
            }
            c.ctx.response().putHeader("Retry-After", Integer.toString(refused.retryAfterSeconds()))
                .putHeader("X-Corral-Queue-Ms", Long.toString((ticker.nanoTime() - c.arrival) / 1_000_000));
            reject(c, refused.status(), refused.getMessage(), refused.code());
          } else {
            reject(c, 500, "routing failed: " + ar.cause(), "internal_error");
          }
        });
  }

  /** {@code X-Priority}: 1-10, higher first; absent means 5. */
  static int priorityOf(String header) {
    if (header == null || header.isBlank()) {
      return 5;
    }
    try {
      int p = Integer.parseInt(header.trim());
      if (p >= 1 && p <= 10) {
        return p;
      }
    } catch (NumberFormatException ignored) {
      // fall through to the error
    }
    throw new IllegalArgumentException("header X-Priority must be a whole number from 1 (lowest) to 10 (highest),"
        + " got '" + header + "'");
  }

  private Strategy strategyOf(String header) {
    if (header == null || header.isBlank()) {
      return defaultStrategy;
    }
    try {
      return Strategy.parse(header);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("header X-Corral-Strategy: " + e.getMessage());
    }
  }

  private void forward(Call c, SlotLease lease) {
    HttpServerResponse response = c.ctx.response();
    if (response.closed() || c.race != null && c.race.decided()) {
      lease.release();
      return;
    }
    c.attempts++;
    c.running++;
    c.arrivalSeq = lease.arrivalSeq();
    int attempt = c.attempts;
    String backendId = lease.backend().id();
    // fail over only when there is somewhere else to go; otherwise the backend's own answer passes through. Racing
    // copies never answer a failure themselves: the call does, once no copy is left.
    boolean failover = c.race != null || c.attempts <= maxRetries
        && eligible(c).stream().anyMatch(b -> !b.id().equals(backendId));
    long forwardedAt = ticker.nanoTime();
    boolean cold = !warm.isWarm(lease.backend(), c.model);
    Runnable headers = () -> response.putHeader("X-Corral-Backend", backendId)
        .putHeader("X-Corral-Queue-Ms", Long.toString((forwardedAt - c.arrival) / 1_000_000))
        .putHeader("X-Corral-Attempts", Integer.toString(attempt));
    if (c.race == null) {
      headers.run();
    } else if (attempt == 1) {
      c.hedgeTimer = c.ctx.vertx().setTimer(hedge.after().toMillis(), id -> hedge(c, backendId));
    }
    proxy.forward(ProxyCall.to(lease.backend().backendId(), c.ctx.request(), response, c.body, c.family,
            c.requestId, c.clientGone).withTimeouts(lease.backend().timeouts()).withFailover(failover)
            .inRace(c.race, headers))
        .onComplete(ar -> {
          lease.release();
          c.running--;
          ProxyOutcome outcome = ar.result();
          judge(c, lease.backend(), outcome, ticker.nanoTime() - forwardedAt, failover);
          if (outcome.result() == ProxyOutcome.Result.HEDGE_LOST) {
            return;
          }
          if (c.hedgeTimer >= 0 && (outcome.answered() || c.running == 0)) {
            c.ctx.vertx().cancelTimer(c.hedgeTimer);
            c.hedgeTimer = -1;
          }
          if (outcome.result() == ProxyOutcome.Result.UNSUPPORTED) {
            unsupported.remember(backendId, c.route);
          }
          if (outcome.mayFailOver()) {
            if (c.running > 0) {
              // the other copy is still racing: it may yet answer; this backend is out either way
              c.excluded.add(backendId);
              c.lastFailure = outcome;
              return;
            }
            failedOver(c, backendId, outcome);
            return;
          }
          if (outcome.firstByteNanos() >= 0) {
            metrics.firstByte(c.route, backendId, Duration.ofNanos(outcome.firstByteNanos()));
          }
          if (outcome.result() == ProxyOutcome.Result.COMPLETED && outcome.status() < 400) {
            if (cold && outcome.firstByteNanos() >= 0) {
              warm.loaded(c.model, Duration.ofNanos(outcome.firstByteNanos()));
            }
            warm.answered(backendId, c.model);
          }
          if (outcome.tokens() >= 2 && outcome.generationNanos() > 0) {
            generation.generated(backendId, outcome.tokens() - 1, outcome.generationNanos());
          }
          metrics.requestFinished(c.route, backendId, outcome.status(),
              Duration.ofNanos(ticker.nanoTime() - c.arrival));
          if (outcome.result() != ProxyOutcome.Result.COMPLETED) {
            log.info("event=request_ended request={} route={} backend={} result={} status={} attempts={}",
                c.requestId, c.route, backendId, outcome.result(), outcome.status(), c.attempts);
            // failed answers in general are counted and published (rate-limited) by the dashboard's traffic tap
            if (events != null && outcome.result() == ProxyOutcome.Result.STALLED) {
              events.publish("request_stalled", c.requestId, "stream from " + backendId + " stopped mid-answer "
                  + "and was ended with an error");
            }
          }
        });
  }

  /**
   * No first byte yet from the first copy: send a second one, but only to a backend with a free slot right now
   * and only while nobody waits in the cluster-wide queue (a hedge never takes capacity a waiting request needs).
   */
  private void hedge(Call c, String firstBackend) {
    c.hedgeTimer = -1;
    if (c.race.decided() || c.running != 1 || c.ctx.response().closed()) {
      return;
    }
    List<BackendState> others = eligible(c).stream().filter(b -> !b.id().equals(firstBackend)).toList();
    if (others.isEmpty()) {
      return;
    }
    selector.acquire(new RouteRequest(c.requestId, c.model, others, c.priority, c.strategy, c.clientGone,
            c.arrivalSeq, false))
        .onComplete(ar -> {
          if (ar.failed()) {
            log.debug("event=hedge_skipped request={} reason=\"{}\"", c.requestId, ar.cause().getMessage());
            return;
          }
          if (c.race.decided() || c.running == 0) {
            ar.result().release();
            return;
          }
          metrics.hedge(c.route, ar.result().backend().id());
          log.info("event=request_hedged request={} first={} second={} after_ms={}", c.requestId, firstBackend,
              ar.result().backend().id(), hedge.after().toMillis());
          if (events != null) {
            events.publish("request_hedged", c.requestId, "no first byte from " + firstBackend + " within "
                + hedge.after().toMillis() + " ms; second copy on " + ar.result().backend().id());
          }
          forward(c, ar.result());
        });
  }

  /**
   * Counts an outcome against its backend's circuit breaker, unless it may be the request's fault. A backend's own
   * error (500, 505-599) before the first byte is held as a suspicion while one other backend tries: when that one
   * fails the same way the request is poison and neither is counted; when it does anything else the first backend's
   * error was its own and counts. An error that could not be tried elsewhere counts only if the backend's health
   * probe also fails.
   */
  private void judge(Call c, BackendState backend, ProxyOutcome outcome, long nanos, boolean couldFailOver) {
    String id = backend.id();
    boolean ownError = outcome.result() == ProxyOutcome.Result.SERVER_ERROR
        || outcome.result() == ProxyOutcome.Result.COMPLETED && ProxyOutcome.serverError(outcome.status());
    if (ownError && c.suspect != null && !c.suspect.equals(id)) {
      log.info("event=request_poison request={} backends={},{} status={} (the request fails on both: counted "
          + "against neither)", c.requestId, c.suspect, id, outcome.status());
      c.suspect = null;
      c.poison = true;
      return;
    }
    if (outcome.result() == ProxyOutcome.Result.SERVER_ERROR && c.suspect == null) {
      c.suspect = id;
      c.suspectOutcome = outcome;
      c.suspectNanos = nanos;
      return;
    }
    if (c.suspect != null && !c.suspect.equals(id) && outcome.result() != ProxyOutcome.Result.HEDGE_LOST
        && outcome.result() != ProxyOutcome.Result.CLIENT_GONE) {
      // another backend did something else with the same request: the suspect's error was its own
      breakers.record(c.suspect, c.suspectOutcome, c.suspectNanos);
      c.suspect = null;
    }
    if (ownError && !couldFailOver && recheck != null) {
      // nowhere else to try it: the backend's own probe decides whether this was the backend
      recheck.healthy(backend).onSuccess(well -> {
        if (!well) {
          breakers.record(id, outcome, nanos);
        }
      });
      return;
    }
    breakers.record(id, outcome, nanos);
  }

  /** The backend failed before the client got a byte: try the next one, the failed ones excluded. */
  private void failedOver(Call c, String backendId, ProxyOutcome outcome) {
    c.excluded.add(backendId);
    c.lastFailure = outcome;
    metrics.failover(c.route, backendId, outcome.result().name().toLowerCase(Locale.ROOT));
    log.info("event=request_failover request={} backend={} result={} status={} attempt={} reason=\"{}\"",
        c.requestId, backendId, outcome.result(), outcome.status(), c.attempts, outcome.failure());
    if (events != null) {
      events.publish("request_failover", c.requestId, outcome.failure() + "; attempt " + c.attempts
          + " of " + (maxRetries + 1));
    }
    if (c.ctx.response().closed()) {
      metrics.requestFinished(c.route, backendId, 499, Duration.ofNanos(ticker.nanoTime() - c.arrival));
      return;
    }
    if (c.attempts > maxRetries || c.poison) {
      answerLastFailure(c);
      return;
    }
    route(c);
  }

  /** Every eligible backend failed (or none is left): answer with what the last one did, in the API's shape. */
  private void answerLastFailure(Call c) {
    ProxyOutcome last = c.lastFailure;
    int status = switch (last.result()) {
      case BACKEND_REFUSED, UNSUPPORTED, SERVER_ERROR -> last.status();
      case NO_FIRST_BYTE -> 504;
      default -> 502;
    };
    String code = switch (last.result()) {
      case CONNECT_FAILED -> "backend_unreachable";
      case UNSUPPORTED -> "not_implemented";
      case NO_FIRST_BYTE -> "backend_timeout";
      default -> "backend_error";
    };
    if (status == 429 || status == 503) {
      c.ctx.response().putHeader("Retry-After", "5");
    }
    c.ctx.response().putHeader("X-Corral-Attempts", Integer.toString(c.attempts));
    reject(c, status, last.failure() + (c.poison ? " (another backend failed the same request the same way: the "
        + "request itself is the likely cause)" : " (no other backend left after " + c.attempts + " attempt(s))"),
        code);
  }

  private void noBackend(RoutingContext ctx, ApiFamily family, String route, long arrival, String raw,
      String model) {
    Collection<BackendState> known = backends.all();
    if (known.isEmpty()) {
      // not "model not found": an Ollama client would try to pull it, and nothing can serve it anyway
      reject(ctx, family, route, arrival, 503, "this cluster has no backends. Fix: " + ApiErrors.NO_BACKENDS_FIX,
          "no_backends");
      return;
    }
    List<BackendState> serving = known.stream().filter(b -> b.serves(model)).toList();
    if (serving.stream().anyMatch(b -> servesFamily(b, family))) {
      ctx.response().putHeader("Retry-After", "5");
      reject(ctx, family, route, arrival, 503, "no healthy backend serves model '" + raw + "' right now",
          "no_healthy_backend");
    } else if (!serving.isEmpty()) {
      reject(ctx, family, route, arrival, 404, "model '" + raw + "' is served only by backends without the "
          + (family == ApiFamily.OLLAMA ? "Ollama API; call it through /v1/*" : "OpenAI API; call it through /api/*"),
          "model_not_found");
    } else if (known.stream().noneMatch(BackendState::isUp)) {
      // nobody can say whether the model exists: not "not found", which sends an Ollama client off to pull it
      ctx.response().putHeader("Retry-After", "5");
      reject(ctx, family, route, arrival, 503, "model '" + raw + "' cannot be looked up: none of the cluster's "
          + known.size() + " backend(s) is up; 'corral backend health' says why", "no_healthy_backend");
    } else if (family == ApiFamily.OLLAMA) {
      reject(ctx, family, route, arrival, 404, "model \"" + raw + "\" not found, try pulling it first",
          "model_not_found");
    } else {
      reject(ctx, family, route, arrival, 404, "The model `" + raw + "` does not exist or no backend serves it",
          "model_not_found");
    }
  }

  private void reject(Call c, int status, String message, String code) {
    reject(c.ctx, c.family, c.route, c.arrival, status, message, code);
  }

  private void reject(RoutingContext ctx, ApiFamily family, String route, long arrival, int status,
      String message, String code) {
    ApiErrors.send(ctx.response(), family, status, message, code);
    metrics.requestFinished(route, "none", status, Duration.ofNanos(ticker.nanoTime() - arrival));
  }

  static boolean servesFamily(BackendState b, ApiFamily family) {
    return family == ApiFamily.OLLAMA ? b.kind().servesOllamaApi() : b.kind().servesOpenAiApi();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
