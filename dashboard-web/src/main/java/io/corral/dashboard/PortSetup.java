package io.corral.dashboard;

import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * How the member serves HTTP, applied to the leader's dashboard port exactly as to its API port, so the second
 * port is no softer a target than the first.
 *
 * @param tls     whether the ports speak HTTPS (links and the port probe use it)
 * @param options adds what the member's servers share to a port's options (TLS certificate)
 * @param server  attaches what watches a server's connections (timeouts, the connection cap)
 * @param guards  the routes every request passes first (connection tracking, body deadline, browser origins)
 */
public record PortSetup(boolean tls, UnaryOperator<HttpServerOptions> options, Consumer<HttpServer> server,
    Consumer<Router> guards) {

  /** Plain HTTP with nothing added (tests that exercise the dashboard alone). */
  public static final PortSetup PLAIN = new PortSetup(false, o -> o, s -> { }, r -> { });

  public String scheme() {
    return tls ? "https" : "http";
  }
}
