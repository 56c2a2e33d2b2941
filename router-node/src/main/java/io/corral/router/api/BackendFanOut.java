package io.corral.router.api;

import io.corral.cluster.backends.BackendId;
import io.corral.cluster.backends.BackendState;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks several backends the same read-only question ({@code GET /api/tags}, {@code /v1/models}, ...) at once and
 * collects the JSON answers. A backend that fails or times out is left out rather than failing the whole answer:
 * a listing should show what is reachable now.
 */
public final class BackendFanOut {

  /** One backend's answer. */
  public record Answer(BackendState backend, JsonObject body) {}

  private final WebClient client;
  private final long timeoutMillis;

  public BackendFanOut(WebClient client, long timeoutMillis) {
    this.client = client;
    this.timeoutMillis = timeoutMillis;
  }

  public Future<List<Answer>> get(List<BackendState> backends, String path) {
    List<Future<Answer>> calls = new ArrayList<>();
    for (BackendState b : backends) {
      BackendId id = b.backendId();
      calls.add(client.get(id.port(), id.host(), path).ssl(id.ssl()).timeout(timeoutMillis).send()
          .map(resp -> {
            if (resp.statusCode() != 200) {
              return null;
            }
            try {
              Object body = resp.bodyAsJson(Object.class);
              return body instanceof JsonObject o ? new Answer(b, o) : null;
            } catch (RuntimeException e) {
              return null;
            }
          })
          .otherwise((Answer) null));
    }
    return Future.join(calls).map(cf -> {
      List<Answer> out = new ArrayList<>();
      for (Future<Answer> f : calls) {
        if (f.succeeded() && f.result() != null) {
          out.add(f.result());
        }
      }
      return out;
    });
  }
}
