package io.corral.cluster.apps;

import java.util.Objects;

/**
 * An application that told the cluster it uses corral (Open WebUI, a script, an agent), as every member sees it.
 *
 * @param name                unique name, the registry's key
 * @param version             the app's own version, or empty
 * @param kind                what it is ({@code app}, {@code webui}, {@code agent}, ...), free text
 * @param dashboardUrl        the app's own dashboard, or empty
 * @param member              API URL of the member it registered through
 * @param registeredAtMillis  first registration (wall clock, display only)
 * @param lastHeartbeatMillis last registration or heartbeat (wall clock; staleness is judged from it)
 */
public record RegisteredApp(String name, String version, String kind, String dashboardUrl, String member,
    long registeredAtMillis, long lastHeartbeatMillis) {

  public RegisteredApp {
    Objects.requireNonNull(name, "name");
    version = version == null ? "" : version;
    kind = kind == null || kind.isBlank() ? "app" : kind;
    dashboardUrl = dashboardUrl == null ? "" : dashboardUrl;
    member = member == null ? "" : member;
  }

  RegisteredApp touchedAt(long millis) {
    return new RegisteredApp(name, version, kind, dashboardUrl, member, registeredAtMillis, millis);
  }
}
