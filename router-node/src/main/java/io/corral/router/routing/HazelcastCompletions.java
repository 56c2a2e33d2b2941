package io.corral.router.routing;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * Where the completion of a Hazelcast call runs. Hazelcast's futures run even non-async callbacks
 * ({@code whenComplete}, and so {@code Future.fromCompletionStage}) on {@code ForkJoinPool.commonPool}: one more
 * thread hop between the partition owner's answer and the event loop that acts on it. On a busy machine each hop
 * costs from tenths of a millisecond to milliseconds, and the grant path has several, so these helpers hand the
 * completion straight from Hazelcast's response thread to where it belongs.
 */
public final class HazelcastCompletions {

  /** Runs a callback on the thread that completed the call: only for short, non-blocking work. */
  public static final Executor ON_RESPONSE_THREAD = Runnable::run;

  private HazelcastCompletions() {}

  /** The stage as a Vert.x future whose completion runs on {@code ctx} (an event loop), never blocking it. */
  public static <T> Future<T> onContext(CompletionStage<T> stage, Context ctx) {
    Promise<T> promise = Promise.promise();
    stage.whenCompleteAsync((value, err) -> {
      if (err != null) {
        promise.fail(err);
      } else {
        promise.complete(value);
      }
    }, command -> ctx.runOnContext(v -> command.run()));
    return promise.future();
  }

  /** Runs {@code action} on the response thread; see {@link #ON_RESPONSE_THREAD}. */
  public static <T> void whenDone(CompletionStage<T> stage, BiConsumer<? super T, ? super Throwable> action) {
    stage.whenCompleteAsync(action, ON_RESPONSE_THREAD);
  }
}
