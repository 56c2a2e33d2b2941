package io.corral.sim;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;

/**
 * One TCP connection speaking HTTP/1.1 by hand, so a test can see exactly which bytes arrived, notice a reset
 * or a hang, and walk away from a request at any moment.
 */
final class RawHttpConnection implements AutoCloseable {

  private final NetClient client;
  private final NetSocket socket;
  private final StringBuilder received = new StringBuilder();
  private volatile boolean closed;
  private volatile Throwable failure;

  private RawHttpConnection(NetClient client, NetSocket socket) {
    this.client = client;
    this.socket = socket;
    socket.handler(buffer -> {
      synchronized (received) {
        received.append(buffer.toString(StandardCharsets.UTF_8));
      }
    });
    socket.exceptionHandler(e -> failure = e);
    socket.closeHandler(v -> closed = true);
  }

  static RawHttpConnection open(Vertx vertx, SimulatedBackend backend) {
    NetClient client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(2000));
    return new RawHttpConnection(client, TestHttp.await(client.connect(backend.port(), "127.0.0.1")));
  }

  /** Sends one POST with a JSON body. */
  RawHttpConnection post(String path, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + body.length + "\r\n\r\n";
    TestHttp.await(socket.write(head + json));
    return this;
  }

  String received() {
    synchronized (received) {
      return received.toString();
    }
  }

  /** How often {@code fragment} occurs in what arrived so far. */
  int count(String fragment) {
    String text = received();
    int n = 0;
    for (int i = text.indexOf(fragment); i >= 0; i = text.indexOf(fragment, i + fragment.length())) {
      n++;
    }
    return n;
  }

  boolean closedByServer() {
    return closed;
  }

  Throwable failure() {
    return failure;
  }

  /** The client walks away. */
  @Override
  public void close() {
    socket.close();
    client.close();
  }
}
