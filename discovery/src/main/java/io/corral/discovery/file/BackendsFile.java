package io.corral.discovery.file;

import io.corral.discovery.BackendSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The plain backends file: one backend a line, as {@code host:port} or a URL, optionally with the flag options
 * ({@code http://10.0.0.5:8080;slots=4;kind=llama-server}); {@code #} starts a comment; blank lines are ignored.
 * A bare {@code host:port} means {@code http://host:port}.
 */
public final class BackendsFile {

  private BackendsFile() {}

  /**
   * Parses the whole file; a later line naming the same backend replaces an earlier one.
   *
   * @throws IllegalArgumentException naming the first bad line ({@code line N: ...}); nothing is returned then,
   *                                  so a half-edited file never removes backends that are still listed
   */
  public static List<BackendSpec> parse(String content) {
    Map<String, BackendSpec> out = new LinkedHashMap<>();
    String[] lines = content.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash);
      }
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.contains(" ") || line.contains("\t")) {
        throw new IllegalArgumentException("line " + (i + 1) + ": one backend per line, got '" + line + "'");
      }
      String text = line.contains("://") ? line : "http://" + line;
      try {
        BackendSpec spec = BackendSpec.parse(text);
        out.put(spec.id().value(), spec);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("line " + (i + 1) + ": " + e.getMessage());
      }
    }
    return new ArrayList<>(out.values());
  }
}
