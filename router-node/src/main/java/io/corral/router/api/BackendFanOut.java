package io.corral.router.api;

import io.corral.cluster.backends.BackendState;
import io.corral.discovery.net.BackendReads;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Asks several backends the same read-only question ({@code GET /api/tags}, {@code /v1/models}, ...) at once and
 * collects the JSON answers. A backend that fails or times out is left out rather than failing the whole answer:
 * a listing should show what is reachable now. Answers are read through {@link BackendReads}: size-capped, only
 * where the backend may be reached; a backend whose answer is over the cap is reported ({@code oversized}) so its
 * monitor can mark it down at once.
 */
public final class BackendFanOut {

  /** One backend's answer. */
  public record Answer(BackendState backend, JsonObject body) {}

  private final BackendReads reads;
  private final long timeoutMillis;
  private final Consumer<String> oversized;

  public BackendFanOut(BackendReads reads, long timeoutMillis) {
    this(reads, timeoutMillis, id -> { });
  }

  /** @param oversized told the id of a backend whose answer was over the cap */
  public BackendFanOut(BackendReads reads, long timeoutMillis, Consumer<String> oversized) {
    this.reads = reads;
    this.timeoutMillis = timeoutMillis;
    this.oversized = oversized;
  }

  public Future<List<Answer>> get(List<BackendState> backends, String path) {
    List<Future<Answer>> calls = new ArrayList<>();
    for (BackendState b : backends) {
      calls.add(reads.get(b.backendId(), b.origin(), path, BackendReads.LISTING_LIMIT, timeoutMillis)
          .map(resp -> resp.status() == 200 && resp.json() instanceof JsonObject o ? new Answer(b, o) : null)
          .recover(err -> {
            if (err instanceof BackendReads.AnswerTooLarge) {
              oversized.accept(b.id());
            }
            return Future.succeededFuture(null);
          }));
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
