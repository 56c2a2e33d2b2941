package io.corral.discovery;

import io.corral.cluster.Durations;
import io.corral.cluster.backends.BackendId;
import io.corral.cluster.backends.BackendKind;
import io.corral.cluster.backends.BackendOrigin;
import io.corral.cluster.backends.BackendTimeouts;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A backend as the operator configured it ({@code --backend}, {@code CORRAL_BACKENDS}, the config file).
 *
 * @param id    normalized base URL
 * @param kind  the kind the operator asserts, or null to fingerprint it
 * @param slots configured concurrent requests, or null to use what the backend reports (llama-server), else
 *     {@code modelSlots}, else 1
 * @param timeouts this backend's own connect / first-token / idle timeouts (zero: the members' global ones)
 * @param modelSlots how many of the slots one model may hold at once (an Ollama's {@code OLLAMA_NUM_PARALLEL},
 *     with {@code slots} the total over its loaded models), or null for no per-model limit
 * @param forwardAuth clients' {@code Authorization} and {@code Cookie} headers are passed on to this backend
 *     ({@code ;forward-auth}: one that checks them itself); by default they are dropped
 * @param origin where the spec came from (the parsers say configured; the watchers say file, admin or scan)
 */
public record BackendSpec(BackendId id, BackendKind kind, Integer slots, BackendTimeouts timeouts,
    Integer modelSlots, boolean forwardAuth, BackendOrigin origin) {

  public BackendSpec(BackendId id, BackendKind kind, Integer slots) {
    this(id, kind, slots, BackendTimeouts.DEFAULTS);
  }

  public BackendSpec(BackendId id, BackendKind kind, Integer slots, BackendTimeouts timeouts) {
    this(id, kind, slots, timeouts, null);
  }

  public BackendSpec(BackendId id, BackendKind kind, Integer slots, BackendTimeouts timeouts, Integer modelSlots) {
    this(id, kind, slots, timeouts, modelSlots, false, BackendOrigin.CONFIGURED);
  }

  /** The same backend as it arrived from {@code newOrigin}. */
  public BackendSpec withOrigin(BackendOrigin newOrigin) {
    return new BackendSpec(id, kind, slots, timeouts, modelSlots, forwardAuth, newOrigin);
  }

  public BackendSpec {
    if (id == null) {
      throw new IllegalArgumentException("backend URL is required");
    }
    if (slots != null && (slots < 1 || slots > 4096)) {
      throw new IllegalArgumentException("backend slots must be 1-4096, got " + slots);
    }
    if (modelSlots != null && (modelSlots < 1 || modelSlots > 4096)) {
      throw new IllegalArgumentException("backend model-slots must be 1-4096, got " + modelSlots);
    }
    if (modelSlots != null && slots != null && modelSlots > slots) {
      throw new IllegalArgumentException("backend model-slots (" + modelSlots + ") must not exceed its slots ("
          + slots + "): model-slots is what one model may use of the slots");
    }
    timeouts = timeouts == null ? BackendTimeouts.DEFAULTS : timeouts;
    origin = origin == null ? BackendOrigin.CONFIGURED : origin;
  }

  /**
   * Parses the flag form {@code URL[;slots=N][;model-slots=N][;kind=K][;connect-timeout=D]
   * [;first-token-timeout=D][;idle-timeout=D]}, e.g. {@code http://127.0.0.1:11434;slots=4;first-token-timeout=300s}.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static BackendSpec parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty backend");
    }
    String[] parts = text.trim().split(";");
    BackendId id = BackendId.of(parts[0]);
    BackendKind kind = null;
    Integer slots = null;
    Integer modelSlots = null;
    long connect = 0;
    long firstToken = 0;
    long idle = 0;
    boolean forwardAuth = false;
    for (int i = 1; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.equalsIgnoreCase("forward-auth")) {
        forwardAuth = true;
        continue;
      }
      int eq = p.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("bad backend option '" + p + "' in '" + text + "' (use key=value)");
      }
      String key = p.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      String value = p.substring(eq + 1).trim();
      switch (key) {
        case "slots" -> slots = count(value, key, text);
        case "model-slots" -> modelSlots = count(value, key, text);
        case "kind" -> kind = BackendKind.parse(value);
        case "connect-timeout" -> connect = millis(value, key, text);
        case "first-token-timeout" -> firstToken = millis(value, key, text);
        case "idle-timeout" -> idle = millis(value, key, text);
        case "forward-auth" -> forwardAuth = bool(value, key, text);
        default -> throw new IllegalArgumentException("unknown backend option '" + key + "' in '" + text
            + "' (allowed: slots, model-slots, kind, connect-timeout, first-token-timeout, idle-timeout, "
            + "forward-auth)");
      }
    }
    return new BackendSpec(id, kind, slots, new BackendTimeouts(connect, firstToken, idle), modelSlots, forwardAuth,
        BackendOrigin.CONFIGURED);
  }

  /** The options as JSON / YAML fields (admin API, config file), and their names in the flag form. */
  private static final Map<String, String> FIELDS = fields();

  private static Map<String, String> fields() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("slots", "slots");
    m.put("modelSlots", "model-slots");
    m.put("kind", "kind");
    m.put("connectTimeout", "connect-timeout");
    m.put("firstTokenTimeout", "first-token-timeout");
    m.put("idleTimeout", "idle-timeout");
    m.put("forwardAuth", "forward-auth");
    return Map.copyOf(m);
  }

  /**
   * Parses the object form {@code {"url": ..., "slots"?: N, "modelSlots"?: N, "kind"?: K,
   * "firstTokenTimeout"?: "300s", ...}} the admin API and the config file use, with the same checks as the flag
   * form.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public static BackendSpec fromFields(Map<?, ?> fields) {
    return parse(flagFormOf(fields));
  }

  /** The object form rewritten as the flag form {@code URL;option=value;...}, checked by {@link #parse} later. */
  public static String flagFormOf(Map<?, ?> fields) {
    Object url = fields.get("url");
    if (url == null || String.valueOf(url).isBlank()) {
      throw new IllegalArgumentException("a backend needs \"url\", e.g. {\"url\": \"http://host:11434\"}");
    }
    StringBuilder text = new StringBuilder(String.valueOf(url).trim());
    for (Map.Entry<?, ?> e : fields.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (key.equals("url") || e.getValue() == null) {
        continue;
      }
      String option = FIELDS.get(key);
      if (option == null) {
        throw new IllegalArgumentException("unknown backend option '" + key + "' (allowed: url, slots, modelSlots, "
            + "kind, connectTimeout, firstTokenTimeout, idleTimeout, forwardAuth)");
      }
      text.append(';').append(option).append('=').append(e.getValue());
    }
    return text.toString();
  }

  private static boolean bool(String value, String key, String text) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw new IllegalArgumentException("bad " + key + " '" + value + "' in '" + text
          + "' (true or false)");
    };
  }

  private static int count(String value, String key, String text) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad " + key + " '" + value + "' in '" + text + "'");
    }
  }

  private static long millis(String value, String key, String text) {
    long ms;
    try {
      ms = Durations.parse(value).toMillis();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bad " + key + " in '" + text + "': " + e.getMessage());
    }
    if (ms <= 0) {
      throw new IllegalArgumentException(key + " must be positive in '" + text + "'");
    }
    return ms;
  }
}
