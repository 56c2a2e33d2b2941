package io.corral.sim;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The models a backend serves, their (made-up but stable) metadata, and which are "loaded".
 *
 * <p>Ollama names are normalized ({@code llama3} is {@code llama3:latest}); a llama-server has one model and
 * accepts any requested name. A model becomes loaded with its first request. Thread-safe.
 */
final class ModelCatalog {

  /** Metadata of one model, derived deterministically from its name. */
  record Model(String name, String digest, long size, String family, String parameterSize,
      long parameterCount, String quantization, boolean embedding) {}

  static final int CONTEXT_LENGTH = 4096;
  static final String QUANTIZATION = "Q4_K_M";
  /** The fixed modification time every simulated model reports. */
  static final String MODIFIED_AT = "2025-10-14T09:21:44.361845722Z";
  static final long MODIFIED_EPOCH_SECONDS = 1760433704L;

  private static final Pattern PARAMETERS = Pattern.compile("(\\d+(?:\\.\\d+)?)b");

  private final SimKind kind;
  private final List<Model> models;
  private final Set<String> loaded = new LinkedHashSet<>();

  ModelCatalog(SimKind kind, List<String> names) {
    this.kind = kind;
    List<Model> list = new ArrayList<>();
    for (String name : names) {
      list.add(describe(kind == SimKind.OLLAMA ? normalize(name) : name));
    }
    this.models = List.copyOf(list);
  }

  /** Ollama's rule: a name without a tag means the {@code latest} tag. */
  static String normalize(String name) {
    String trimmed = name.trim();
    int slash = trimmed.lastIndexOf('/');
    return trimmed.indexOf(':', slash + 1) < 0 ? trimmed + ":latest" : trimmed;
  }

  List<Model> all() {
    return models;
  }

  /** The model a request names; a llama-server ignores the name and always has its one model. */
  Optional<Model> find(String requested) {
    if (kind == SimKind.LLAMA_SERVER) {
      return Optional.of(models.get(0));
    }
    if (requested == null || requested.isBlank()) {
      return Optional.empty();
    }
    String wanted = normalize(requested);
    return models.stream().filter(m -> m.name().equalsIgnoreCase(wanted)).findFirst();
  }

  synchronized void markLoaded(Model model) {
    loaded.add(model.name());
  }

  synchronized void unload(Model model) {
    loaded.remove(model.name());
  }

  synchronized List<Model> loaded() {
    return models.stream().filter(m -> loaded.contains(m.name())).toList();
  }

  private static Model describe(String name) {
    String base = name.contains(":") ? name.substring(0, name.lastIndexOf(':')) : name;
    base = base.substring(base.lastIndexOf('/') + 1);
    String lower = name.toLowerCase(Locale.ROOT);
    boolean embedding = lower.contains("embed") || lower.contains("minilm") || lower.contains("bge");
    double billions = 8.0;
    Matcher m = PARAMETERS.matcher(lower.substring(lower.lastIndexOf(':') + 1));
    if (m.find()) {
      billions = Double.parseDouble(m.group(1));
    }
    long parameterCount = Math.round(billions * 1_000_000_000L);
    // About 4.9 bits per weight, as Q4_K_M files are.
    long size = parameterCount * 49 / 80 + 100_000_000L;
    String family = base.replaceAll("[^A-Za-z].*$", "").toLowerCase(Locale.ROOT);
    return new Model(name, Embeddings.sha256Hex(name), size, family.isEmpty() ? "llama" : family,
        String.format(Locale.ROOT, "%.1fB", billions), parameterCount, QUANTIZATION, embedding);
  }
}
