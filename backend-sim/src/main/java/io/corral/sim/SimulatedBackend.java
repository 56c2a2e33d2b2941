package io.corral.sim;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.InstantSource;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated Ollama or llama-server on one HTTP port, indistinguishable on the wire from the real server
 * (paths, bodies, content types, streaming framing, status codes), with a fixed number of slots, deterministic
 * text ({@code "tok0 tok1 ..."}), configurable pacing and live fault injection.
 *
 * <p>Generation requests (chat, generate, completions, embeddings) each hold one slot from the moment they
 * start processing until their response ends or their client disconnects; requests beyond the slots wait in a
 * FIFO, as the real servers queue them (with {@link SimBackendOptions#modelSlots()}, a request of a model at its
 * limit lets later requests of other models pass). {@link #stats()} shows the load: {@code maxProcessing} never
 * exceeds the slots, and {@code maxConcurrent} (processing + waiting) shows whether a balancer sent more than the
 * slots; {@link #maxConcurrentByModel()} does the same per model.
 *
 * <p>Thread-safety: every method may be called from any thread. Requests are served on the event loop of the
 * server and never block it.
 */
public final class SimulatedBackend {

  private static final Logger log = LoggerFactory.getLogger(SimulatedBackend.class);
  /** Large enough for any chat history a test sends. */
  private static final long BODY_LIMIT_BYTES = 32L * 1024 * 1024;

  private final SimBackendOptions options;
  private final SimFaults faults = new SimFaults();
  private final SlotScheduler scheduler;
  private final GenerationTotals totals = new GenerationTotals();
  private final ModelCatalog catalog;
  private final Router router;
  private final String host;
  private volatile HttpServer server;
  /** Open connections, so {@link #crash()} can cut them the way a dying process does. */
  private final java.util.Set<io.vertx.core.http.HttpConnection> connections =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private SimulatedBackend(Vertx vertx, SimBackendOptions options, String host, InstantSource clock) {
    this.options = options;
    this.host = host;
    this.scheduler = new SlotScheduler(options.slots(), options.modelSlots());
    this.catalog = new ModelCatalog(options.kind(), options.models());
    GenerationEngine engine = new GenerationEngine(vertx, options, faults, scheduler, totals, System::nanoTime);
    OpenAiDialect dialect = new OpenAiDialect(options.kind(), options.version());
    ApiFamily family = options.kind() == SimKind.OLLAMA ? ApiFamily.OLLAMA : ApiFamily.LLAMA_SERVER;

    router = Router.router(vertx);
    // Routes match in the order they are added: body reading first, the catch-all 404 last.
    router.post().handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT_BYTES));
    if (options.kind() == SimKind.LLAMA_SERVER) {
      new LlamaServerApi(catalog, engine, scheduler, totals, options.version()).mount(router);
    }
    new ControlApi(this).mount(router);
    if (options.kind() == SimKind.OLLAMA) {
      new OllamaApi(catalog, engine, clock, options.version()).mount(router);
    }
    new OpenAiApi(catalog, engine, dialect, clock).mount(router);
    // Everything else, including a known path with the wrong method, is a 404 on both real servers.
    router.route().last().handler(family::notFound);
    router.errorHandler(500, ctx -> {
      log.warn("event=handler-failure path={} error={}", ctx.request().path(), String.valueOf(ctx.failure()));
      family.error(ctx, 500, "internal error");
    });
  }

  /** Starts a backend on {@code host:port} ({@code port} 0 = an ephemeral port), timestamps from the system clock. */
  public static Future<SimulatedBackend> start(Vertx vertx, SimBackendOptions options, String host, int port) {
    return start(vertx, options, host, port, InstantSource.system());
  }

  /** Starts a backend whose timestamps ({@code created_at}, {@code created}) come from {@code clock}. */
  public static Future<SimulatedBackend> start(Vertx vertx, SimBackendOptions options, String host, int port,
      InstantSource clock) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(clock, "clock");
    SimulatedBackend backend = new SimulatedBackend(vertx, options, host, clock);
    return vertx.createHttpServer()
        .connectionHandler(connection -> {
          backend.connections.add(connection);
          connection.closeHandler(v -> backend.connections.remove(connection));
        })
        .requestHandler(backend.router)
        .listen(port, host)
        .map(server -> {
          backend.server = server;
          log.info("event=sim-started kind={} url={} slots={} models={}", options.kind(), backend.url(),
              options.slots(), options.models());
          return backend;
        });
  }

  /** The port actually bound. */
  public int port() {
    return server.actualPort();
  }

  /** For example {@code http://127.0.0.1:11434} (a wildcard host is shown as 127.0.0.1). */
  public String url() {
    String shown = host.equals("0.0.0.0") || host.equals("::") || host.isEmpty() ? "127.0.0.1" : host;
    if (shown.contains(":")) {
      shown = "[" + shown + "]";
    }
    return "http://" + shown + ":" + port();
  }

  public SimBackendOptions options() {
    return options;
  }

  /** The live fault switches. */
  public SimFaults faults() {
    return faults;
  }

  /** A snapshot of the current load and the counters since start or the last {@link #resetStats()}. */
  public SimStats stats() {
    return scheduler.stats();
  }

  /**
   * The most generation requests of each model present at once since start or the last {@link #resetStats()}
   * (counted as {@link SimStats#maxConcurrent()}): over {@link SimBackendOptions#modelSlots()} only when a balancer
   * sent one model more than the backend runs at once.
   */
  public Map<String, Integer> maxConcurrentByModel() {
    return scheduler.maxConcurrentByModel();
  }

  /**
   * Zeroes counters and token totals; the live gauges stay and {@code maxProcessing} and {@code maxConcurrent}
   * restart from now.
   */
  public void resetStats() {
    scheduler.resetStats();
    totals.reset();
  }

  /** The current slot count. */
  public int slots() {
    return scheduler.slots();
  }

  /**
   * Changes the capacity at runtime (reflected in {@code /props} and {@code /slots}). Shrinking never interrupts
   * running requests; growing serves waiting ones at once. 0 makes every new request wait.
   */
  public void setSlots(int slots) {
    scheduler.setSlots(slots);
  }

  /** Makes a model show as loaded in Ollama's {@code /api/ps}, as if it had served a request. */
  public void markLoaded(String model) {
    catalog.find(model).ifPresentOrElse(catalog::markLoaded, () -> {
      throw new IllegalArgumentException("unknown model " + model + "; served: " + options.models());
    });
  }

  /** Stops listening and closes every connection (stalled and waiting requests included). */
  public Future<Void> close() {
    scheduler.close();
    return server == null ? Future.succeededFuture() : server.close();
  }

  /**
   * Dies like a killed process: every open connection is reset at once (running streams are cut mid-answer,
   * waiting requests get no answer) and the port stops listening. {@link #close()} is the orderly version.
   */
  public Future<Void> crash() {
    scheduler.close();
    for (io.vertx.core.http.HttpConnection connection : connections) {
      AbruptClose.reset(connection);
    }
    return server == null ? Future.succeededFuture() : server.close();
  }

  @Override
  public String toString() {
    return "SimulatedBackend[" + options.kind() + " " + (server == null ? "not started" : url()) + "]";
  }
}
