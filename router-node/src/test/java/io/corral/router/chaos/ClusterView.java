package io.corral.router.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One member's {@code GET /api/cluster}, reduced to what the chaos suite checks.
 *
 * @param leaderId the member UUID this member names as leader, or empty
 * @param leaderApiUrl that leader's API URL, or empty
 * @param members the members this one sees
 * @param backends every backend with its health and cluster-wide in-flight count (the ledger's lease count)
 * @param queueDepth requests waiting cluster-wide
 */
record ClusterView(String leaderId, String leaderApiUrl, List<Member> members, List<Backend> backends,
    int queueDepth) {

  record Member(String id, String name, String apiUrl, boolean leader) {}

  record Backend(String id, String health, int inFlight, int slots) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Asks {@code memberUrl}; empty when it does not answer 200 within a second (dead, starting, overloaded). */
  static Optional<ClusterView> of(HttpClient http, String memberUrl) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(memberUrl + "/api/cluster"))
          .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? Optional.of(parse(JSON.readTree(r.body()))) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static ClusterView parse(JsonNode j) {
    List<Member> members = new ArrayList<>();
    j.path("members").forEach(m -> members.add(new Member(m.path("id").asText(), m.path("name").asText(),
        m.path("apiUrl").asText(), m.path("leader").asBoolean())));
    List<Backend> backends = new ArrayList<>();
    j.path("backends").forEach(b -> backends.add(new Backend(b.path("id").asText(), b.path("health").asText(),
        b.path("inFlight").asInt(), b.path("slots").asInt())));
    return new ClusterView(j.path("leader").path("id").asText(""), j.path("leader").path("apiUrl").asText(""),
        List.copyOf(members), List.copyOf(backends), j.path("queue").path("depth").asInt());
  }

  int inFlightTotal() {
    return backends.stream().mapToInt(Backend::inFlight).sum();
  }

  Optional<Backend> backend(String url) {
    return backends.stream().filter(b -> b.id().equals(url)).findFirst();
  }

  boolean backendUp(String url) {
    return backend(url).map(b -> b.health().equals("up")).orElse(false);
  }
}
