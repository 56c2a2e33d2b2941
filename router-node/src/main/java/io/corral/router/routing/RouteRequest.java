package io.corral.router.routing;

import java.util.List;

/**
 * What routing needs to know about a request.
 *
 * @param requestId  the request's id (from {@code X-Request-Id} or generated)
 * @param model      normalized model name
 * @param candidates backends that serve the model through the API called and are up
 */
public record RouteRequest(String requestId, String model, List<io.corral.cluster.backends.BackendState> candidates) {
  public RouteRequest {
    candidates = List.copyOf(candidates);
  }
}
