package io.corral.router.routing;

import io.corral.cluster.backends.BackendState;
import io.corral.cluster.ledger.Conversation;
import io.corral.cluster.ledger.Strategy;
import io.vertx.core.Future;
import java.util.List;
import java.util.Objects;

/**
 * What routing needs to know about a request.
 *
 * @param requestId  the request's id (from {@code X-Request-Id} or generated)
 * @param model      normalized model name
 * @param candidates backends that serve the model through the API called and are up
 * @param priority   1-10 ({@code X-Priority}, default 5)
 * @param strategy   how to pick among free candidates ({@code X-Corral-Strategy} or the configured default)
 * @param clientGone completes when the client disconnects; a request still waiting then leaves the queue
 * @param arrivalSeq its place in the cluster-wide arrival order when it is a retry on another backend, else -1
 * @param mayWait    false for a request that takes a slot only if one is free and nobody waits (a hedge copy)
 */
public record RouteRequest(String requestId, String model, List<BackendState> candidates, int priority,
    Strategy strategy, Future<Void> clientGone, long arrivalSeq, boolean mayWait, Conversation conversation) {
  public RouteRequest {
    candidates = List.copyOf(candidates);
    Objects.requireNonNull(conversation, "conversation");
  }

  /** Part of no conversation. */
  public RouteRequest(String requestId, String model, List<BackendState> candidates, int priority,
      Strategy strategy, Future<Void> clientGone, long arrivalSeq, boolean mayWait) {
    this(requestId, model, candidates, priority, strategy, clientGone, arrivalSeq, mayWait, Conversation.NONE);
  }

  /** A new arrival. */
  public RouteRequest(String requestId, String model, List<BackendState> candidates, int priority,
      Strategy strategy, Future<Void> clientGone) {
    this(requestId, model, candidates, priority, strategy, clientGone, -1, true);
  }

  /** A retry elsewhere, keeping its arrival place. */
  public RouteRequest(String requestId, String model, List<BackendState> candidates, int priority,
      Strategy strategy, Future<Void> clientGone, long arrivalSeq) {
    this(requestId, model, candidates, priority, strategy, clientGone, arrivalSeq, true);
  }
}
