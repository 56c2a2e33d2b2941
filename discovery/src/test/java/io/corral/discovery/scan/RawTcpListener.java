package io.corral.discovery.scan;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetServer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP listener that accepts and never writes a byte: stands in for an rpc-server (to prove the scanner sends
 * it nothing and closes its connection) and for a server that accepts and then hangs.
 *
 * @param accepted      connections accepted
 * @param bytesReceived bytes received over all connections
 * @param closedByPeer  connections the other end closed (the listener itself closes none until {@link #close})
 */
record RawTcpListener(NetServer server, AtomicInteger accepted, AtomicLong bytesReceived,
    AtomicInteger closedByPeer) {

  static Future<RawTcpListener> start(Vertx vertx, String host) {
    AtomicInteger accepted = new AtomicInteger();
    AtomicLong bytesReceived = new AtomicLong();
    AtomicInteger closedByPeer = new AtomicInteger();
    return vertx.createNetServer()
        .connectHandler(socket -> {
          accepted.incrementAndGet();
          socket.handler(buffer -> bytesReceived.addAndGet(buffer.length()));
          socket.closeHandler(v -> closedByPeer.incrementAndGet());
        })
        .listen(0, host)
        .map(server -> new RawTcpListener(server, accepted, bytesReceived, closedByPeer));
  }

  int port() {
    return server.actualPort();
  }

  Future<Void> close() {
    return server.close();
  }
}
