package io.corral.dashboard;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Which links the dashboard may render: {@code http} and {@code https} URLs with a host, nothing else. An app's
 * {@code dashboardUrl} comes from whoever registered it; a {@code javascript:} or {@code data:} link would run in
 * the operator's browser. Checked when an app registers and again when the snapshot is built (for entries stored
 * before the check).
 */
final class SafeLinks {

  private SafeLinks() {}

  static boolean isWebLink(String url) {
    if (url == null || url.isBlank()) {
      return false;
    }
    try {
      URI u = new URI(url.strip());
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      return (scheme.equals("http") || scheme.equals("https")) && u.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  /** {@code url} when it is a web link, else "". */
  static String orEmpty(String url) {
    return isWebLink(url) ? url.strip() : "";
  }
}
