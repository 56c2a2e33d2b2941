package io.corral.cluster.backends;

/**
 * Model naming rules shared by discovery and routing. Ollama treats {@code llama3} as {@code llama3:latest}; a
 * name is normalized the same way on both sides (what a backend reports and what a client asks for) so they
 * compare equal.
 */
public final class ModelNames {

  private ModelNames() {}

  /** {@code llama3} -> {@code llama3:latest}; names that carry a tag are unchanged; blank stays blank. */
  public static String normalize(String name) {
    if (name == null) {
      return "";
    }
    String n = name.trim();
    if (n.isEmpty()) {
      return n;
    }
    int slash = n.lastIndexOf('/');
    String last = n.substring(slash + 1);
    return last.contains(":") ? n : n + ":latest";
  }

  /** The alias a llama-server model file gets when it reports no alias: file name without directory and .gguf. */
  public static String aliasFromPath(String path) {
    if (path == null || path.isBlank()) {
      return "";
    }
    String p = path.replace('\\', '/');
    String file = p.substring(p.lastIndexOf('/') + 1);
    return file.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf") ? file.substring(0, file.length() - 5) : file;
  }
}
