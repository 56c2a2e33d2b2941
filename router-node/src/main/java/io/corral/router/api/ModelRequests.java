package io.corral.router.api;

import io.corral.cluster.backends.BackendRegistry;
import io.corral.cluster.backends.BackendState;
import io.corral.cluster.backends.ModelNames;
import io.corral.router.metrics.RouterMetrics;
import io.corral.router.proxy.ProxyOutcome;
import io.corral.router.proxy.StreamingProxy;
import io.corral.cluster.ledger.Strategy;
import io.corral.router.routing.AdmissionRefused;
import io.corral.router.routing.BackendBreakers;
import io.corral.router.routing.BackendSelector;
import io.corral.router.routing.RouteRequest;
import io.corral.router.routing.SlotLease;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The path every model request takes, for both API families: validate the body, find the backends that serve the
 * model through the API called, take a slot lease, forward, release. Errors are answered in the caller's API
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

  public ModelRequests(BackendRegistry backends, BackendSelector selector, StreamingProxy proxy,
      RouterMetrics metrics, Strategy defaultStrategy, BackendBreakers breakers) {
    this.breakers = breakers;
    this.backends = backends;
    this.selector = selector;
    this.proxy = proxy;
    this.metrics = metrics;
    this.defaultStrategy = defaultStrategy;
  }

  /** Handles a POST whose JSON body names a {@code model}. {@code route} labels metrics. */
  public void handle(RoutingContext ctx, ApiFamily family, String route) {
    long arrival = System.nanoTime();
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
    List<BackendState> candidates = backends.all().stream()
        .filter(b -> b.isUp() && servesFamily(b, family) && b.serves(model) && breakers.allows(b.id()))
        .toList();
    if (candidates.isEmpty()) {
      noBackend(ctx, family, route, arrival, raw, model);
      return;
    }
    selector.acquire(new RouteRequest(requestId, model, candidates, priority, strategy, clientGone))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            forward(ctx, family, route, arrival, requestId, body, ar.result(), clientGone);
          } else if (ar.cause() instanceof AdmissionRefused refused) {
            if (refused.status() == 499) {
              metrics.requestFinished(route, "none", 499, Duration.ofNanos(System.nanoTime() - arrival));
              return;
            }
            ctx.response().putHeader("Retry-After", Integer.toString(refused.retryAfterSeconds()))
                .putHeader("X-Corral-Queue-Ms", Long.toString((System.nanoTime() - arrival) / 1_000_000));
            reject(ctx, family, route, arrival, refused.status(), refused.getMessage(), refused.code());
          } else {
            reject(ctx, family, route, arrival, 500, "routing failed: " + ar.cause(), "internal_error");
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

  private void forward(RoutingContext ctx, ApiFamily family, String route, long arrival, String requestId,
      Buffer body, SlotLease lease, Future<Void> clientGone) {
    if (ctx.response().closed()) {
      lease.release();
      return;
    }
    String backendId = lease.backend().id();
    long forwardedAt = System.nanoTime();
    long queuedMillis = (System.nanoTime() - arrival) / 1_000_000;
    ctx.response().putHeader("X-Corral-Backend", backendId).putHeader("X-Corral-Queue-Ms",
        Long.toString(queuedMillis));
    proxy.forward(ctx.request(), ctx.response(), body, lease.backend().backendId(), family, requestId, clientGone)
        .onComplete(ar -> {
          lease.release();
          ProxyOutcome outcome = ar.result();
          breakers.record(backendId, outcome, System.nanoTime() - forwardedAt);
          if (outcome.firstByteNanos() >= 0) {
            metrics.firstByte(route, backendId, Duration.ofNanos(outcome.firstByteNanos()));
          }
          metrics.requestFinished(route, backendId, outcome.status(), Duration.ofNanos(System.nanoTime() - arrival));
          if (outcome.result() != ProxyOutcome.Result.COMPLETED) {
            log.info("event=request_ended request={} route={} backend={} result={} status={}", requestId, route,
                backendId, outcome.result(), outcome.status());
          }
        });
  }

  private void noBackend(RoutingContext ctx, ApiFamily family, String route, long arrival, String raw,
      String model) {
    List<BackendState> serving = backends.all().stream().filter(b -> b.serves(model)).toList();
    if (serving.stream().anyMatch(b -> servesFamily(b, family))) {
      ctx.response().putHeader("Retry-After", "5");
      reject(ctx, family, route, arrival, 503, "no healthy backend serves model '" + raw + "' right now",
          "no_healthy_backend");
    } else if (!serving.isEmpty()) {
      reject(ctx, family, route, arrival, 404, "model '" + raw + "' is served only by backends without the "
          + (family == ApiFamily.OLLAMA ? "Ollama API; call it through /v1/*" : "OpenAI API; call it through /api/*"),
          "model_not_found");
    } else if (family == ApiFamily.OLLAMA) {
      reject(ctx, family, route, arrival, 404, "model \"" + raw + "\" not found, try pulling it first",
          "model_not_found");
    } else {
      reject(ctx, family, route, arrival, 404, "The model `" + raw + "` does not exist or no backend serves it",
          "model_not_found");
    }
  }

  private void reject(RoutingContext ctx, ApiFamily family, String route, long arrival, int status,
      String message, String code) {
    ApiErrors.send(ctx.response(), family, status, message, code);
    metrics.requestFinished(route, "none", status, Duration.ofNanos(System.nanoTime() - arrival));
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
