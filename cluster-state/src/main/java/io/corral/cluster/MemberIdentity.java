package io.corral.cluster;

import java.util.Objects;

/**
 * What a member tells its peers about itself when it joins: how to reach its API and a display name.
 *
 * @param name            display name, e.g. {@code 127.0.0.1:8000}
 * @param apiUrl          base URL of the member's HTTP API, e.g. {@code http://127.0.0.1:8000}
 * @param startedAtMillis wall-clock start, for display only (never used for ordering)
 */
public record MemberIdentity(String name, String apiUrl, long startedAtMillis) {
  public MemberIdentity {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(apiUrl, "apiUrl");
  }
}
