package io.corral.dashboard;

import io.corral.cluster.MemberView;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The browser origins the cluster's own dashboard pages come from: each member's API origin and its host on the
 * dashboard port. Origins are remembered after their member leaves because a page served by a member that died
 * keeps that member's origin while it fails over to a live one; that is the moment it needs a survivor to
 * accept it. Bounded (oldest forgotten first) so a churning cluster cannot grow it.
 */
final class PageOrigins {

  static final int MAX_REMEMBERED = 256;

  private final int dashboardPort;
  private final Map<String, Boolean> seen = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > MAX_REMEMBERED;
    }
  };

  PageOrigins(int dashboardPort) {
    this.dashboardPort = dashboardPort;
  }

  synchronized void remember(List<MemberView> members) {
    for (MemberView m : members) {
      try {
        URI api = URI.create(m.apiUrl());
        if (api.getHost() == null || api.getPort() < 0) {
          continue;
        }
        String base = api.getScheme().toLowerCase(Locale.ROOT) + "://" + api.getHost().toLowerCase(Locale.ROOT);
        seen.put(base + ":" + api.getPort(), Boolean.TRUE);
        if (dashboardPort > 0) {
          seen.put(base + ":" + dashboardPort, Boolean.TRUE);
        }
      } catch (IllegalArgumentException | NullPointerException badUrl) {
        // a member that advertises no usable URL has no pages either
      }
    }
  }

  synchronized boolean contains(String origin) {
    return seen.containsKey(origin.toLowerCase(Locale.ROOT));
  }
}
