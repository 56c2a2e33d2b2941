package io.corral.sim;

import io.vertx.core.json.JsonObject;

/**
 * A snapshot of a simulated backend's load.
 *
 * <p>Counting rules: a generation request is <em>started</em> when it takes a slot; it then ends exactly once,
 * either <em>completed</em> (its response ended) or <em>cancelled</em> (the client went away, or the backend cut
 * or stalled the stream and the client then gave up). So {@code requestsStarted == requestsCompleted +
 * requestsCancelled + processing}. Requests answered by an injected failure and clients that leave while still
 * waiting are never started.
 *
 * @param processing requests holding a slot now
 * @param waiting requests queued for a slot now
 * @param maxProcessing the highest {@code processing} ever observed (since the last reset); never above the slots
 * @param maxConcurrent the highest {@code processing + waiting} ever observed (since the last reset): the most
 *     generation requests present at the backend at once. Over the slots only when a balancer sent more than the
 *     backend can run, since the excess waits here (FIFO) instead of showing up in {@code maxProcessing}. A
 *     request stops counting when its answer has been written in full, just before its slot is released, so a
 *     client that reacts to the end at once is never counted as over-subscribing
 * @param requestsStarted requests that took a slot
 * @param requestsCompleted requests whose response ended normally
 * @param requestsCancelled requests that lost their client while holding a slot
 */
public record SimStats(
    int processing,
    int waiting,
    int maxProcessing,
    int maxConcurrent,
    long requestsStarted,
    long requestsCompleted,
    long requestsCancelled) {

  /** The JSON served by {@code GET /_sim/stats}. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("processing", processing)
        .put("waiting", waiting)
        .put("maxProcessing", maxProcessing)
        .put("maxConcurrent", maxConcurrent)
        .put("requestsStarted", requestsStarted)
        .put("requestsCompleted", requestsCompleted)
        .put("requestsCancelled", requestsCancelled);
  }

  /** Reads the JSON of {@code GET /_sim/stats} (for clients in other processes). */
  public static SimStats fromJson(JsonObject json) {
    return new SimStats(
        json.getInteger("processing", 0),
        json.getInteger("waiting", 0),
        json.getInteger("maxProcessing", 0),
        json.getInteger("maxConcurrent", 0),
        json.getLong("requestsStarted", 0L),
        json.getLong("requestsCompleted", 0L),
        json.getLong("requestsCancelled", 0L));
  }
}
