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

  /** The protocols asked when nothing says which to ask first, in the order that tells servers apart. */
  private static final List<BackendKind> HTTP_KINDS =
      List.of(BackendKind.OLLAMA, BackendKind.LLAMA_SERVER, BackendKind.OPENAI);

  private final WebClient client;
  private final long timeoutMillis;

  public BackendFingerprinter(WebClient client, long timeoutMillis) {
    this.client = client;
    this.timeoutMillis = timeoutMillis;
  }

  /** Probes {@code id}; with a {@code kindHint} only that kind's endpoints are asked. Never fails. */
  public Future<Fingerprint> probe(BackendId id, BackendKind kindHint) {
    if (kindHint == null || kindHint == BackendKind.UNKNOWN) {
      return identify(id, null);
    }
    Future<Fingerprint> result = HTTP_KINDS.contains(kindHint)
        ? probeAs(kindHint, id)
        : Future.succeededFuture(Fingerprint.refused(kindHint, "not an HTTP backend"));
    return settle(result.map(f -> f != null ? f
        : Fingerprint.refused(kindHint, "does not answer like " + kindHint.wireName())));
  }

  /**
   * Finds out what {@code id} runs without trusting a label: asks {@code firstAsked}'s protocol first (for
   * example the kind a port is known for; null keeps the default order Ollama, llama-server, OpenAI), then the
   * others. The kind returned is whatever answered, {@link BackendKind#UNKNOWN} when nothing did. Never fails;
   * it makes at most four requests one after another, each bounded by the probe timeout.
   */
  public Future<Fingerprint> identify(BackendId id, BackendKind firstAsked) {
    Future<Fingerprint> result = Future.succeededFuture(null);
    for (BackendKind kind : askingOrder(firstAsked)) {
      result = result.compose(f -> f != null ? Future.succeededFuture(f) : probeAs(kind, id));
    }
    return settle(result.map(f -> f != null ? f : new Fingerprint(BackendKind.UNKNOWN, true, false, "", List.of(),
        List.of(), 0, "answers none of Ollama /api/version, llama-server /props, OpenAI /v1/models")));
  }

  private static List<BackendKind> askingOrder(BackendKind firstAsked) {
    // The generic OpenAI probe stays last whatever the hint: Ollama and llama-server answer /v1/models too, so
    // asking it first would label them "openai".
    if (firstAsked == null || firstAsked == BackendKind.OPENAI || !HTTP_KINDS.contains(firstAsked)) {
      return HTTP_KINDS;
    }
    List<BackendKind> order = new ArrayList<>(HTTP_KINDS);
    order.remove(firstAsked);
    order.add(0, firstAsked);
    return order;
  }

  /** A null result means "does not answer like {@code kind}"; a failure means it could not be asked. */
  private Future<Fingerprint> probeAs(BackendKind kind, BackendId id) {
    return switch (kind) {
      case OLLAMA -> probeOllama(id);
      case LLAMA_SERVER -> probeLlamaServer(id);
      case OPENAI -> probeOpenAi(id);
      default -> throw new IllegalArgumentException("no HTTP probe for " + kind.wireName());
    };
  }

  /** Turns every failure into a fingerprint, so callers never see a failed future. */
  private static Future<Fingerprint> settle(Future<Fingerprint> probing) {
    return probing.recover(err -> Future.succeededFuture(err instanceof CorralMemberAnswered member
        ? Fingerprint.corralMember(member.member)
        : Fingerprint.unreachable(describe(err))));
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
      String member = resp.getHeader(CORRAL_MEMBER_HEADER);
      if (member != null) {
        return Future.failedFuture(new CorralMemberAnswered(member));
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

  /** Ends a probe at the first answer that carries {@link #CORRAL_MEMBER_HEADER}: nothing else it says counts. */
  private static final class CorralMemberAnswered extends RuntimeException {
    private final String member;

    CorralMemberAnswered(String member) {
      super("it is a corral member (" + member + "), not a backend", null, false, false);
      this.member = member;
    }
  }
}
