package io.corral.discovery.fingerprint;

import io.corral.cluster.backends.BackendId;
import io.corral.cluster.backends.BackendKind;
import io.corral.cluster.backends.ModelNames;
import io.corral.cluster.backends.BackendOrigin;
import io.corral.discovery.net.BackendReads;
import io.corral.discovery.net.BackendReads.AnswerTooLarge;
import io.corral.discovery.net.BackendReads.BackendAnswer;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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
 * <p>Implementation notes: every probe is a plain GET with a short timeout for the whole answer, read through
 * {@link BackendReads} (size-capped, only where the backend's origin allows); nothing is ever sent to rpc-server
 * ports (they are not HTTP, see discovery's scanner). A backend whose answer is over the cap is reachable but not
 * ready: it is published down, with the reason. At most {@link #MAX_NAMES} model names of at most
 * {@link #MAX_NAME_CHARS} characters are kept, so a listing under the byte cap still cannot bloat shared state.
 * Safe to call from an event loop.
 */
public final class BackendFingerprinter {

  /** Header every corral response carries; an endpoint that sends it is a corral member, never a backend. */
  public static final String CORRAL_MEMBER_HEADER = "X-Corral-Member";

  /** The protocols asked when nothing says which to ask first, in the order that tells servers apart. */
  private static final List<BackendKind> HTTP_KINDS =
      List.of(BackendKind.OLLAMA, BackendKind.LLAMA_SERVER, BackendKind.OPENAI);

  static final int MAX_NAMES = 2000;
  static final int MAX_NAME_CHARS = 256;
  /** Slots a backend may report: the most a backend may be configured with. */
  static final int MAX_SLOTS = 4096;

  private final BackendReads reads;
  private final long timeoutMillis;

  /** A backend to ask, and where it came from (which decides whether its address is checked). */
  private record Target(BackendId id, BackendOrigin origin) {}

  public BackendFingerprinter(BackendReads reads, long timeoutMillis) {
    this.reads = reads;
    this.timeoutMillis = timeoutMillis;
  }

  /** Probes {@code id}, one of the operator's own backends; see {@link #probe(BackendId, BackendKind, BackendOrigin)}. */
  public Future<Fingerprint> probe(BackendId id, BackendKind kindHint) {
    return probe(id, kindHint, BackendOrigin.CONFIGURED);
  }

  /**
   * Probes {@code id}; with a {@code kindHint} only that kind's endpoints are asked. A backend of an {@code origin}
   * that is checked on connect is asked only inside the allowed ranges. Never fails.
   */
  public Future<Fingerprint> probe(BackendId id, BackendKind kindHint, BackendOrigin origin) {
    Target t = new Target(id, origin);
    if (kindHint == null || kindHint == BackendKind.UNKNOWN) {
      return identify(t, null);
    }
    Future<Fingerprint> result = HTTP_KINDS.contains(kindHint)
        ? probeAs(kindHint, t)
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
    return identify(new Target(id, BackendOrigin.CONFIGURED), firstAsked);
  }

  private Future<Fingerprint> identify(Target t, BackendKind firstAsked) {
    Future<Fingerprint> result = Future.succeededFuture(null);
    for (BackendKind kind : askingOrder(firstAsked)) {
      result = result.compose(f -> f != null ? Future.succeededFuture(f) : probeAs(kind, t));
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
  private Future<Fingerprint> probeAs(BackendKind kind, Target t) {
    return switch (kind) {
      case OLLAMA -> probeOllama(t);
      case LLAMA_SERVER -> probeLlamaServer(t);
      case OPENAI -> probeOpenAi(t);
      default -> throw new IllegalArgumentException("no HTTP probe for " + kind.wireName());
    };
  }

  /** Turns every failure into a fingerprint, so callers never see a failed future. */
  private static Future<Fingerprint> settle(Future<Fingerprint> probing) {
    return probing.recover(err -> Future.succeededFuture(err instanceof CorralMemberAnswered member
        ? Fingerprint.corralMember(member.member)
        : err instanceof AnswerTooLarge tooLarge
            ? new Fingerprint(BackendKind.UNKNOWN, true, false, "", List.of(), List.of(), 0, tooLarge.getMessage())
            : Fingerprint.unreachable(describe(err))));
  }

  private Future<Fingerprint> probeOllama(Target t) {
    return get(t, "/api/version").compose(resp -> {
      if (resp == null || resp.status() != 200) {
        return Future.succeededFuture(null);
      }
      JsonObject v = json(resp);
      if (v == null || !v.containsKey("version")) {
        return Future.succeededFuture(null);
      }
      String version = text(v, "version");
      return get(t, "/api/tags").compose(tags -> get(t, "/api/ps").map(ps -> new Fingerprint(
          BackendKind.OLLAMA, true, tags != null && tags.status() == 200, version,
          ollamaNames(tags), ollamaNames(ps), 0,
          tags != null && tags.status() == 200 ? "" : "GET /api/tags failed")));
    });
  }

  private Future<Fingerprint> probeLlamaServer(Target t) {
    return get(t, "/props").compose(resp -> {
      JsonObject props = resp != null && resp.status() == 200 ? json(resp) : null;
      if (props == null || !props.containsKey("total_slots")) {
        return Future.succeededFuture(null);
      }
      // a backend's word, bounded: a count no server has, names and a version no longer than any real one
      int slots = props.getValue("total_slots") instanceof Number n ? (int) Math.max(1, Math.min(MAX_SLOTS,
          n.longValue())) : 1;
      Set<String> names = new LinkedHashSet<>();
      String alias = text(props, "model_alias");
      String path = text(props, "model_path");
      if (!alias.isBlank()) {
        names.add(ModelNames.normalize(alias));
      }
      if (!path.isBlank()) {
        names.add(ModelNames.normalize(ModelNames.aliasFromPath(path)));
      }
      String version = text(props, "build_info");
      return get(t, "/v1/models").compose(models -> {
        names.addAll(openAiIds(models));
        return get(t, "/health");
      }).map(health -> {
        boolean ready = health != null && health.status() == 200;
        List<String> all = List.copyOf(names);
        return new Fingerprint(BackendKind.LLAMA_SERVER, true, ready, version, all, ready ? all : List.of(), slots,
            ready ? "" : "GET /health answered " + (health == null ? "nothing" : health.status()));
      });
    });
  }

  private Future<Fingerprint> probeOpenAi(Target t) {
    return get(t, "/v1/models").map(resp -> {
      if (resp == null || resp.status() != 200) {
        return null;
      }
      JsonObject body = json(resp);
      if (body == null || body.getJsonArray("data") == null) {
        return null;
      }
      return new Fingerprint(BackendKind.OPENAI, true, true, "", openAiIds(resp), List.of(), 0, "");
    });
  }

  /**
   * GET with the probe timeout and a size cap; a corral member answering is an error, a non-2xx status is returned
   * as is.
   */
  private Future<BackendAnswer> get(Target t, String path) {
    long limit = path.equals("/api/version") || path.equals("/health") ? BackendReads.SMALL_LIMIT
        : BackendReads.LISTING_LIMIT;
    return reads.get(t.id(), t.origin(), path, limit, timeoutMillis).compose(resp -> {
      String member = resp.header(CORRAL_MEMBER_HEADER);
      if (member != null) {
        return Future.failedFuture(new CorralMemberAnswered(member));
      }
      return Future.succeededFuture(resp);
    });
  }

  /** A string field of a backend's answer, at most {@link #MAX_NAME_CHARS} long; "" when absent or not a string. */
  private static String text(JsonObject o, String field) {
    return o.getValue(field) instanceof String v && v.length() <= MAX_NAME_CHARS ? v : "";
  }

  private static JsonObject json(BackendAnswer resp) {
    return resp.json() instanceof JsonObject o ? o : null;
  }

  private static List<String> ollamaNames(BackendAnswer resp) {
    List<String> out = new ArrayList<>();
    JsonObject body = resp != null && resp.status() == 200 ? json(resp) : null;
    JsonArray models = body == null ? null : body.getJsonArray("models");
    if (models != null) {
      for (Object o : models) {
        if (o instanceof JsonObject m) {
          String name = m.getValue("name") instanceof String n ? n
              : m.getValue("model") instanceof String n2 ? n2 : "";
          if (!name.isBlank() && name.length() <= MAX_NAME_CHARS && out.size() < MAX_NAMES) {
            out.add(ModelNames.normalize(name));
          }
        }
      }
    }
    return out;
  }

  private static List<String> openAiIds(BackendAnswer resp) {
    List<String> out = new ArrayList<>();
    JsonObject body = resp != null && resp.status() == 200 ? json(resp) : null;
    JsonArray data = body == null ? null : body.getJsonArray("data");
    if (data != null) {
      for (Object o : data) {
        if (o instanceof JsonObject m && m.getValue("id") instanceof String id && !id.isBlank()
            && id.length() <= MAX_NAME_CHARS && out.size() < MAX_NAMES) {
          out.add(ModelNames.normalize(id));
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
