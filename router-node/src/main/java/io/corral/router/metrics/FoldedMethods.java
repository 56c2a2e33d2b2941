package io.corral.router.metrics;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import java.util.Set;

/**
 * Vert.x's metrics with every HTTP method a client makes up reported as {@code OTHER}. The HTTP decoder accepts
 * any token as a method and Vert.x labels its server meters with it, so 3,000 invented methods made 33,000 series
 * (and as many entries in Micrometer's meter caches, which never shrink). Folding happens before a meter is looked
 * up, so the registry never sees the invented name.
 */
public final class FoldedMethods implements VertxMetrics {

  static final HttpMethod OTHER = HttpMethod.valueOf("OTHER");
  private static final Set<HttpMethod> STANDARD = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST,
      HttpMethod.PUT, HttpMethod.DELETE, HttpMethod.OPTIONS, HttpMethod.PATCH, HttpMethod.CONNECT,
      HttpMethod.TRACE);

  private final VertxMetrics delegate;

  public FoldedMethods(VertxMetrics delegate) {
    this.delegate = delegate;
  }

  static HttpMethod fold(HttpMethod method) {
    return STANDARD.contains(method) ? method : OTHER;
  }

  @Override
  public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
    HttpServerMetrics<?, ?, ?> server = delegate.createHttpServerMetrics(options, localAddress);
    return server == null ? null : wrap(server);
  }

  private static <R, W, S> HttpServerMetrics<R, W, S> wrap(HttpServerMetrics<R, W, S> server) {
    return new FoldedServerMetrics<>(server);
  }

  @Override
  public EventBusMetrics createEventBusMetrics() {
    return delegate.createEventBusMetrics();
  }

  @Override
  public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
    return delegate.createClientMetrics(remoteAddress, type, namespace);
  }

  @Override
  public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
    return delegate.createHttpClientMetrics(options);
  }

  @Override
  public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress localAddress) {
    return delegate.createNetServerMetrics(options, localAddress);
  }

  @Override
  public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
    return delegate.createNetClientMetrics(options);
  }

  @Override
  public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
    return delegate.createDatagramSocketMetrics(options);
  }

  @Override
  public PoolMetrics<?, ?> createPoolMetrics(String poolType, String poolName, int maxPoolSize) {
    return delegate.createPoolMetrics(poolType, poolName, maxPoolSize);
  }

  @Override
  public void vertxCreated(Vertx vertx) {
    delegate.vertxCreated(vertx);
  }

  @Override
  public boolean isMetricsEnabled() {
    return delegate.isMetricsEnabled();
  }

  @Override
  public void close() {
    delegate.close();
  }

  private record FoldedServerMetrics<R, W, S>(HttpServerMetrics<R, W, S> delegate)
      implements HttpServerMetrics<R, W, S> {

    @Override
    public R requestBegin(S socketMetric, HttpRequest request) {
      return delegate.requestBegin(socketMetric, folded(request));
    }

    @Override
    public void requestEnd(R requestMetric, HttpRequest request, long bytesRead) {
      delegate.requestEnd(requestMetric, folded(request), bytesRead);
    }

    @Override
    public void requestReset(R requestMetric) {
      delegate.requestReset(requestMetric);
    }

    @Override
    public void responseBegin(R requestMetric, HttpResponse response) {
      delegate.responseBegin(requestMetric, response);
    }

    @Override
    public R responsePushed(S socketMetric, HttpMethod method, String uri, HttpResponse response) {
      return delegate.responsePushed(socketMetric, fold(method), uri, response);
    }

    @Override
    public void responseEnd(R requestMetric, HttpResponse response, long bytesWritten) {
      delegate.responseEnd(requestMetric, response, bytesWritten);
    }

    @Override
    public W connected(S socketMetric, R requestMetric, ServerWebSocket serverWebSocket) {
      return delegate.connected(socketMetric, requestMetric, serverWebSocket);
    }

    @Override
    public void disconnected(W serverWebSocketMetric) {
      delegate.disconnected(serverWebSocketMetric);
    }

    @Override
    public void requestRouted(R requestMetric, String route) {
      delegate.requestRouted(requestMetric, route);
    }

    @Override
    public S connected(SocketAddress remoteAddress, String remoteName) {
      return delegate.connected(remoteAddress, remoteName);
    }

    @Override
    public void disconnected(S socketMetric, SocketAddress remoteAddress) {
      delegate.disconnected(socketMetric, remoteAddress);
    }

    @Override
    public void bytesRead(S socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
      delegate.bytesRead(socketMetric, remoteAddress, numberOfBytes);
    }

    @Override
    public void bytesWritten(S socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
      delegate.bytesWritten(socketMetric, remoteAddress, numberOfBytes);
    }

    @Override
    public void exceptionOccurred(S socketMetric, SocketAddress remoteAddress, Throwable t) {
      delegate.exceptionOccurred(socketMetric, remoteAddress, t);
    }

    @Override
    public void close() {
      delegate.close();
    }

    private static HttpRequest folded(HttpRequest request) {
      HttpMethod method = request.method();
      return method == null || STANDARD.contains(method) ? request : new FoldedRequest(request);
    }
  }

  private record FoldedRequest(HttpRequest request) implements HttpRequest {
    @Override
    public int id() {
      return request.id();
    }

    @Override
    public String uri() {
      return request.uri();
    }

    @Override
    public String absoluteURI() {
      return request.absoluteURI();
    }

    @Override
    public HttpMethod method() {
      return OTHER;
    }

    @Override
    public MultiMap headers() {
      return request.headers();
    }

    @Override
    public SocketAddress remoteAddress() {
      return request.remoteAddress();
    }
  }
}
