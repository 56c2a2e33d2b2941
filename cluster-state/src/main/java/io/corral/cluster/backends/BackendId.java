package io.corral.cluster.backends;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Identifies a backend by its normalized base URL ({@code http://host:port}, lower-case host, no path, explicit
 * port), so the same server given as {@code http://LOCALHOST:11434/} and {@code http://localhost:11434} is one
 * backend.
 */
public record BackendId(String value) {

  public BackendId {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("backend id must not be blank");
    }
  }

  /** Normalizes a URL or a bare {@code host:port} (which means http). */
  public static BackendId of(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("backend URL must not be blank");
    }
    String text = url.trim();
    if (!text.contains("://")) {
      text = "http://" + text;
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("bad backend URL '" + url + "': " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "http" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("bad backend URL '" + url + "': scheme must be http or https");
    }
    String host = uri.getHost();
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("bad backend URL '" + url + "': no host");
    }
    String path = uri.getRawPath();
    if (path != null && !path.isEmpty() && !path.equals("/")) {
      throw new IllegalArgumentException("bad backend URL '" + url + "': give the server's base URL without a path");
    }
    int port = uri.getPort();
    if (port == -1) {
      port = scheme.equals("https") ? 443 : 80;
    }
    host = host.toLowerCase(Locale.ROOT);
    if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    return new BackendId(scheme + "://" + host + ":" + port);
  }

  public URI uri() {
    return URI.create(value);
  }

  public String host() {
    String h = uri().getHost();
    return h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
  }

  public int port() {
    return uri().getPort();
  }

  public boolean ssl() {
    return value.startsWith("https:");
  }

  @Override
  public String toString() {
    return value;
  }
}
