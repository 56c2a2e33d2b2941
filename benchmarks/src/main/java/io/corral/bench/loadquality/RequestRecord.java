package io.corral.bench.loadquality;

/**
 * What the generator saw of one request. Times are {@link System#nanoTime()} values of the generator's clock; a
 * time that did not happen (no first byte, say) is {@code -1}.
 *
 * @param index       arrival number: the order of the schedule, which is also the order of sending
 * @param entry       which entry point of the set-up it went to
 * @param scheduledAt when the schedule wanted it sent
 * @param sentAt      when it was handed to the HTTP client on the event loop
 * @param firstByteAt when the first body bytes arrived (not the status line: a proxy may send headers before the
 *                    backend produced anything)
 * @param endedAt     when the answer ended or failed
 * @param status      HTTP status, or 0 when none arrived
 * @param error       why it failed (status, reset, timeout, bad body), or null when it succeeded
 * @param member      {@code X-Corral-Member} of the answer, or null
 * @param backend     the backend that served it ({@code X-Corral-Backend}, or HAProxy's {@code X-Bench-Server}),
 *                    or null
 * @param queueMs     {@code X-Corral-Queue-Ms} (or HAProxy's queue time {@code X-Bench-Queue-Ms}), or -1
 */
record RequestRecord(int index, int entry, long scheduledAt, long sentAt, long firstByteAt, long endedAt,
    int status, String error, String member, String backend, long queueMs) {

  boolean ok() {
    return error == null;
  }

  long ttfbNanos() {
    return firstByteAt < 0 ? -1 : firstByteAt - sentAt;
  }

  long totalNanos() {
    return endedAt - sentAt;
  }
}
