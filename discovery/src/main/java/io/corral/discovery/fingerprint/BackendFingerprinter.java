package io.corral.discovery.fingerprint;

import io.corral.cluster.backends.BackendId;
import io.corral.cluster.backends.BackendKind;
import io.corral.cluster.backends.ModelNames;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds out what an HTTP endpoint is by asking it, in the order that tells servers apart: Ollama answers
 * {@code GET /api/version}; llama-server answers {@code GET /props} with {@code total_slots}; a generic
 * OpenAI-compatible server answers {@code GET /v1/models}. Anything that carries {@code X-Corral-Member} is a
 * corral router and is refused (no routing loops).
 *
 * <p>Implementation notes: every probe is a plain GET with a short timeout; nothing is ever sent to rpc-server
 * ports (they are not HTTP, see discovery's scanner). Safe to call from an event loop.
 */
public final class BackendFingerprinter {

  /** Header every corral response carries; an endpoint that sends it is a corral member, never a backend. */
  public static final String CORRAL_MEMBER_HEADER = "X-Corral-Member";

  private final WebClient client;
  private final long timeoutMillis;

  public BackendFingerprinter(WebClient client, long timeoutMillis) {
    this.client = client;
    this.timeoutMillis = timeoutMillis;
  }

  /** Probes {@code id}; with a {@code kindHint} only that kind's endpoints are asked. Never fails. */
  public Future<Fingerprint> probe(BackendId id, BackendKind kindHint) {
    Future<Fingerprint> result;
    if (kindHint == null || kindHint == BackendKind.UNKNOWN) {
      result = probeOllama(id).compose(f -> f != null ? Future.succeededFuture(f) : probeLlamaServer(id))
          .compose(f -> f != null ? Future.succeededFuture(f) : probeOpenAi(id))
          .map(f -> f != null ? f : new Fingerprint(BackendKind.UNKNOWN, true, false, "", List.of(), List.of(), 0,
              "answers none of Ollama /api/version, llama-server /props, OpenAI /v1/models"));
    } else {
      result = switch (kindHint) {
        case OLLAMA -> probeOllama(id);
        case LLAMA_SERVER -> probeLlamaServer(id);
        case OPENAI -> probeOpenAi(id);
        default -> Future.succeededFuture(Fingerprint.refused(kindHint, "not an HTTP backend"));
      };
      result = result.map(f -> f != null ? f
          : Fingerprint.refused(kindHint, "does not answer like " + kindHint.wireName()));
    }
    return result.recover(err -> Future.succeededFuture(Fingerprint.unreachable(describe(err))));
  }

  private Future<Fingerprint> probeOllama(BackendId id) {
    return get(id, "/api/version").compose(resp -> {
      if (resp == null || resp.statusCode() != 200) {
        return Future.succeededFuture(null);
      }
      JsonObject v = json(resp);
      if (v == null || !v.containsKey("version")) {
        return Future.succeededFuture(null);
      }
      String version = String.valueOf(v.getValue("version"));
      return get(id, "/api/tags").compose(tags -> get(id, "/api/ps").map(ps -> new Fingerprint(
          BackendKind.OLLAMA, true, tags != null && tags.statusCode() == 200, version,
          ollamaNames(tags), ollamaNames(ps), 0,
          tags != null && tags.statusCode() == 200 ? "" : "GET /api/tags failed")));
    });
  }

  private Future<Fingerprint> probeLlamaServer(BackendId id) {
    return get(id, "/props").compose(resp -> {
      JsonObject props = resp != null && resp.statusCode() == 200 ? json(resp) : null;
      if (props == null || !props.containsKey("total_slots")) {
        return Future.succeededFuture(null);
      }
      int slots = props.getInteger("total_slots", 1);
      Set<String> names = new LinkedHashSet<>();
      String alias = props.getString("model_alias", "");
      String path = props.getString("model_path", "");
      if (!alias.isBlank()) {
        names.add(ModelNames.normalize(alias));
      }
      if (!path.isBlank()) {
        names.add(ModelNames.normalize(ModelNames.aliasFromPath(path)));
      }
      String version = props.getString("build_info", "");
      return get(id, "/v1/models").compose(models -> {
        names.addAll(openAiIds(models));
        return get(id, "/health");
      }).map(health -> {
        boolean ready = health != null && health.statusCode() == 200;
        List<String> all = List.copyOf(names);
        return new Fingerprint(BackendKind.LLAMA_SERVER, true, ready, version, all, ready ? all : List.of(), slots,
            ready ? "" : "GET /health answered " + (health == null ? "nothing" : health.statusCode()));
      });
    });
  }

  private Future<Fingerprint> probeOpenAi(BackendId id) {
    return get(id, "/v1/models").map(resp -> {
      if (resp == null || resp.statusCode() != 200) {
        return null;
      }
      JsonObject body = json(resp);
      if (body == null || body.getJsonArray("data") == null) {
        return null;
      }
      return new Fingerprint(BackendKind.OPENAI, true, true, "", openAiIds(resp), List.of(), 0, "");
    });
  }

  /** GET with the probe timeout; a corral member answering is an error, a non-2xx status is returned as is. */
  private Future<HttpResponse<Buffer>> get(BackendId id, String path) {
    return client.get(id.port(), id.host(), path).ssl(id.ssl()).timeout(timeoutMillis).send().compose(resp -> {
      if (resp.getHeader(CORRAL_MEMBER_HEADER) != null) {
        return Future.failedFuture(new IllegalStateException(
            "it is a corral member (" + resp.getHeader(CORRAL_MEMBER_HEADER) + "), not a backend"));
      }
      return Future.succeededFuture(resp);
    });
  }

  private static JsonObject json(HttpResponse<Buffer> resp) {
    try {
      Object v = resp.bodyAsJson(Object.class);
      return v instanceof JsonObject o ? o : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static List<String> ollamaNames(HttpResponse<Buffer> resp) {
    List<String> out = new ArrayList<>();
    JsonObject body = resp != null && resp.statusCode() == 200 ? json(resp) : null;
    JsonArray models = body == null ? null : body.getJsonArray("models");
    if (models != null) {
      for (Object o : models) {
        if (o instanceof JsonObject m) {
          String name = m.getString("name", m.getString("model", ""));
          if (!name.isBlank()) {
            out.add(ModelNames.normalize(name));
          }
        }
      }
    }
    return out;
  }

  private static List<String> openAiIds(HttpResponse<Buffer> resp) {
    List<String> out = new ArrayList<>();
    JsonObject body = resp != null && resp.statusCode() == 200 ? json(resp) : null;
    JsonArray data = body == null ? null : body.getJsonArray("data");
    if (data != null) {
      for (Object o : data) {
        if (o instanceof JsonObject m && m.getString("id") != null) {
          out.add(ModelNames.normalize(m.getString("id")));
        }
      }
    }
    return out;
  }

  private static String describe(Throwable err) {
    String msg = err.getMessage();
    return msg == null ? err.getClass().getSimpleName() : msg;
  }
}
