package io.corral.sim;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Plain HTTP calls against a simulated backend, blocking the test thread (never an event loop). */
final class TestHttp implements AutoCloseable {

  private final WebClient client;

  TestHttp(Vertx vertx) {
    this.client = WebClient.create(vertx, new WebClientOptions().setKeepAlive(false),
        new PoolOptions().setHttp1MaxSize(32));
  }

  /** A whole response, read. */
  record Response(int status, MultiMap headers, String body) {

    String contentType() {
      return headers.get("Content-Type");
    }

    JsonObject json() {
      return new JsonObject(body);
    }

    JsonArray jsonArray() {
      return new JsonArray(body);
    }

    /** The NDJSON lines of an Ollama stream, each a JSON object. */
    List<JsonObject> ndjson() {
      return body.lines().filter(l -> !l.isBlank()).map(JsonObject::new).toList();
    }

    /** The {@code data:} payloads of a server-sent event stream, in order. */
    List<String> sseData() {
      return Arrays.stream(body.split("\n\n")).filter(e -> !e.isBlank())
          .map(e -> {
            if (!e.startsWith("data: ")) {
              throw new AssertionError("not an SSE data event: " + e);
            }
            return e.substring("data: ".length());
          })
          .toList();
    }
  }

  Future<Response> send(HttpMethod method, SimulatedBackend backend, String path, Object body) {
    HttpRequest<Buffer> request = client.request(method, backend.port(), "127.0.0.1", path);
    Future<io.vertx.ext.web.client.HttpResponse<Buffer>> sent;
    if (body == null) {
      sent = request.send();
    } else if (body instanceof JsonObject json) {
      sent = request.sendJsonObject(json);
    } else {
      sent = request.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body.toString()));
    }
    return sent.map(r -> new Response(r.statusCode(), r.headers(), r.bodyAsString() == null ? "" : r.bodyAsString()));
  }

  Response get(SimulatedBackend backend, String path) {
    return await(send(HttpMethod.GET, backend, path, null));
  }

  Response head(SimulatedBackend backend, String path) {
    return await(send(HttpMethod.HEAD, backend, path, null));
  }

  Response post(SimulatedBackend backend, String path, Object body) {
    return await(send(HttpMethod.POST, backend, path, body));
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("future did not complete: " + e, e);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
