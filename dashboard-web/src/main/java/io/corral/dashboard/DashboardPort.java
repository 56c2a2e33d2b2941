package io.corral.dashboard;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's dashboard port (default 8080). The member that leads binds it; a member that stops leading
 * releases it; the next leader binds it as soon as it learns it leads, retrying for a while because the old
 * leader's process may still be letting go of the port.
 *
 * <p>When the port is taken, the occupant is asked {@code GET /api/dashboard}: a corral dashboard answers with
 * {@code X-Corral-Member} (and {@code X-Corral-Cluster}); then one already runs there and this member carries
 * on (the multi-app dashboard's fallback), unless fallback is off. Anything else (a llama-server also defaults
 * to 8080) is named in the log and the dashboard stays under {@code /dashboard} on the API port.
 *
 * <p>Thread-safety: all state is touched on the dashboard's context only.
 */
final class DashboardPort {

  private static final Logger log = LoggerFactory.getLogger(DashboardPort.class);
  /** Quick retries cover an old leader on this host that is still closing the port. */
  private static final long QUICK_RETRY_MS = 1000;
  private static final int QUICK_RETRIES = 20;
  private static final long SLOW_RETRY_MS = 30_000;

  /** Where the port stands, as the page and the logs tell it. */
  enum State { OFF, NOT_LEADER, BOUND, TAKEN_BY_CORRAL, TAKEN_BY_OTHER }

  private final Vertx vertx;
  private final Context context;
  private final DashboardSettings settings;
  private final String host;
  private final String advertisedHost;
  private final String clusterName;
  private final Handler<HttpServerRequest> handler;
  private final PortSetup setup;
  private HttpServer server;
  private boolean wanted;
  private long retryTimer = -1;
  private int attempts;
  private volatile State state;
  private volatile String occupant = "";

  DashboardPort(Vertx vertx, Context context, DashboardSettings settings, String host, String advertisedHost,
      String clusterName, Handler<HttpServerRequest> handler, PortSetup setup) {
    this.vertx = vertx;
    this.context = context;
    this.settings = settings;
    this.host = host;
    this.advertisedHost = advertisedHost;
    this.clusterName = clusterName;
    this.handler = handler;
    this.setup = setup;
    this.state = settings.port() == 0 ? State.OFF : State.NOT_LEADER;
  }

  /**
   * This member now leads (or not). Completes when the first bind attempt is over; it fails only when the port
   * is taken and fallback is off.
   */
  Future<Void> leading(boolean leader) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      if (settings.port() == 0) {
        done.complete();
      } else if (leader && !wanted) {
        wanted = true;
        attempts = 0;
        attempt().onComplete(done);
      } else if (!leader && wanted) {
        wanted = false;
        release().onComplete(done);
      } else {
        done.complete();
      }
    });
    return done.future();
  }

  private Future<Void> attempt() {
    cancelRetry();
    if (!wanted || server != null) {
      return Future.succeededFuture();
    }
    attempts++;
    HttpServerOptions options = setup.options().apply(new HttpServerOptions().setHost(host).setPort(settings.port())
        .setCompressionSupported(false).setIdleTimeout(0));
    HttpServer candidate = vertx.createHttpServer(options).requestHandler(handler);
    setup.server().accept(candidate);
    return candidate.listen().transform(ar -> {
      if (ar.succeeded()) {
        if (!wanted) {
          // leadership went away while binding
          candidate.close();
          return Future.succeededFuture();
        }
        server = candidate;
        state = State.BOUND;
        occupant = "";
        log.info("event=dashboard_port_bound port={} url={}", settings.port(), url());
        return Future.succeededFuture();
      }
      return probe().transform(seen -> {
        State before = state;
        String who = seen.succeeded() ? seen.result() : null;
        if (who != null) {
          state = State.TAKEN_BY_CORRAL;
          occupant = who;
          if (before != state) {
            log.info("event=dashboard_already_running port={} occupant=\"{}\" (dashboard already running on port {};"
                + " this member serves it under /dashboard on its API port and keeps routing)", settings.port(), who,
                settings.port());
          }
        } else {
          state = State.TAKEN_BY_OTHER;
          occupant = ar.cause().getMessage();
          if (before != state) {
            log.warn("event=dashboard_port_taken port={} error=\"{}\" (something that is not a corral dashboard holds"
                + " the port, e.g. a llama-server; the dashboard is served only under /dashboard on the API port)",
                settings.port(), ar.cause().getMessage());
          }
        }
        if (!settings.fallback()) {
          log.error("event=dashboard_port_unavailable port={} fallback=false", settings.port());
          return Future.failedFuture(new IllegalStateException("dashboard port " + settings.port() + " is taken ("
              + (who != null ? "a corral dashboard: " + who : "not a corral dashboard") + ") and "
              + "--dashboard-fallback=false"));
        }
        scheduleRetry();
        return Future.succeededFuture();
      });
    });
  }

  /** Asks the occupant whether it is a corral dashboard; completes with its description, or null. */
  private Future<String> probe() {
    String target = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    // the occupant's certificate is not checked: its answer only decides whether to log "already running"
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(1000)
        .setSsl(setup.tls()).setTrustAll(setup.tls()).setVerifyHost(false));
    Future<String> seen = client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(target)
            .setPort(settings.port()).setURI("/api/dashboard").setTimeout(2000))
        .compose(req -> req.send())
        .map(resp -> {
          String member = resp.getHeader("X-Corral-Member");
          if (member == null) {
            return null;
          }
          String cluster = resp.getHeader("X-Corral-Cluster");
          return "member " + member + (cluster == null ? "" : " of cluster " + cluster
              + (cluster.equals(clusterName) ? " (this cluster's previous leader)" : ""));
        })
        .otherwise((String) null);
    return seen.eventually(() -> client.close());
  }

  private void scheduleRetry() {
    if (!wanted) {
      return;
    }
    long delay = attempts < QUICK_RETRIES ? QUICK_RETRY_MS : SLOW_RETRY_MS;
    retryTimer = vertx.setTimer(delay, id -> {
      retryTimer = -1;
      attempt();
    });
  }

  private void cancelRetry() {
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
  }

  private Future<Void> release() {
    cancelRetry();
    state = State.NOT_LEADER;
    occupant = "";
    HttpServer s = server;
    server = null;
    if (s == null) {
      return Future.succeededFuture();
    }
    log.info("event=dashboard_port_released port={}", settings.port());
    return s.close();
  }

  /** Stops serving the port (the member is stopping). */
  Future<Void> close() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      wanted = false;
      release().onComplete(done);
    });
    return done.future();
  }

  String url() {
    return setup.scheme() + "://" + advertisedHost + ":" + settings.port() + "/dashboard";
  }

  JsonObject status() {
    State s = state;
    return new JsonObject().put("port", settings.port()).put("state", s.name().toLowerCase(java.util.Locale.ROOT))
        .put("bound", s == State.BOUND).put("url", s == State.BOUND ? url() : null)
        .put("occupant", occupant.isEmpty() ? null : occupant);
  }
}
