package io.corral.router.chaos;

import io.corral.router.chaos.RequestOutcome.Api;
import io.corral.router.chaos.RequestOutcome.Result;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Closed-loop streaming load over every member: {@code users} clients, each sending its next request as soon as
 * the previous one ended, round-robin over the member URLs (dead ones included, as a client with a fixed list
 * would), four in five {@code POST /api/generate} (NDJSON) and one in five {@code POST /v1/chat/completions}
 * (SSE). With {@code users} just under the fleet's slots the fleet runs at about that share of its capacity
 * whatever the request time, and the load can never pile up behind a fault.
 *
 * <p>Fully asynchronous (JDK {@link HttpClient}); each request's outcome is classified from what the client saw:
 * the status, then every streamed line. Thread-safe; one {@link #run} at a time.
 */
final class LoadGenerator {

  /** A client that cannot connect waits this long before its next request, as a client's retry back-off would. */
  private static final Duration REFUSED_BACKOFF = Duration.ofMillis(100);
  /** Bounds the wait for a response head; corral's own queue wait is far shorter in these runs. */
  private static final Duration HEAD_TIMEOUT = Duration.ofSeconds(20);

  private final HttpClient http;
  private final List<String> members;
  private final int users;
  private final String model;
  private final AtomicLong sequence = new AtomicLong();

  LoadGenerator(HttpClient http, List<String> memberUrls, int users, String model) {
    this.http = http;
    this.members = List.copyOf(memberUrls);
    this.users = users;
    this.model = model;
  }

  /** Runs the load for {@code duration}; completes with every outcome once the last request ended. */
  CompletableFuture<List<RequestOutcome>> run(Duration duration) {
    long deadline = System.nanoTime() + duration.toNanos();
    ConcurrentLinkedQueue<RequestOutcome> outcomes = new ConcurrentLinkedQueue<>();
    CompletableFuture<?>[] loops = new CompletableFuture<?>[users];
    for (int u = 0; u < users; u++) {
      loops[u] = userLoop(deadline, outcomes);
    }
    return CompletableFuture.allOf(loops).thenApply(done -> List.copyOf(outcomes));
  }

  private CompletableFuture<Void> userLoop(long deadline, ConcurrentLinkedQueue<RequestOutcome> outcomes) {
    if (System.nanoTime() >= deadline) {
      return CompletableFuture.completedFuture(null);
    }
    long n = sequence.getAndIncrement();
    int member = (int) (n % members.size());
    Api api = n % 5 == 4 ? Api.OPENAI_CHAT : Api.OLLAMA_GENERATE;
    return send(member, api).thenCompose(outcome -> {
      outcomes.add(outcome);
      Executor next = outcome.result() == Result.REFUSED
          ? CompletableFuture.delayedExecutor(REFUSED_BACKOFF.toMillis(), TimeUnit.MILLISECONDS)
          : Runnable::run;
      return CompletableFuture.supplyAsync(() -> null, next).thenCompose(x -> userLoop(deadline, outcomes));
    });
  }

  /** One streaming request; never completes exceptionally (every failure is an outcome). */
  CompletableFuture<RequestOutcome> send(int member, Api api) {
    Call call = new Call(member, api);
    HttpRequest request = HttpRequest.newBuilder(URI.create(members.get(member) + path(api)))
        .timeout(HEAD_TIMEOUT).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body(api))).build();
    return http.sendAsync(request, call::subscriberFor)
        .handle((response, error) -> call.outcome(error));
  }

  private static String path(Api api) {
    return api == Api.OLLAMA_GENERATE ? "/api/generate" : "/v1/chat/completions";
  }

  private String body(Api api) {
    return api == Api.OLLAMA_GENERATE
        ? "{\"model\":\"" + model + "\",\"prompt\":\"chaos\",\"stream\":true}"
        : "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"chaos\"}]}";
  }

  /** The client-side record of one request while it runs; fields are written by the HTTP client's threads. */
  private static final class Call implements Flow.Subscriber<String> {
    private final int member;
    private final Api api;
    private final long start = System.nanoTime();
    private volatile int status;
    private volatile String backend = "";
    private volatile int attempts = 1;
    private volatile boolean sawDone;
    private volatile String errorLine;
    private volatile String firstLine;

    Call(int member, Api api) {
      this.member = member;
      this.api = api;
    }

    HttpResponse.BodySubscriber<Void> subscriberFor(HttpResponse.ResponseInfo info) {
      status = info.statusCode();
      backend = info.headers().firstValue("X-Corral-Backend").orElse("");
      attempts = info.headers().firstValue("X-Corral-Attempts").map(Integer::parseInt).orElse(1);
      return HttpResponse.BodySubscribers.fromLineSubscriber(this, s -> null, StandardCharsets.UTF_8, null);
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      if (firstLine == null) {
        firstLine = line;
      }
      if (api == Api.OLLAMA_GENERATE) {
        if (line.contains("\"error\"")) {
          errorLine = line;
        } else if (line.contains("\"done\":true")) {
          sawDone = true;
        }
      } else if (line.startsWith("data:")) {
        String data = line.substring(5).trim();
        if (data.equals("[DONE]")) {
          sawDone = true;
        } else if (data.startsWith("{\"error\"")) {
          errorLine = line;
        }
      }
    }

    @Override
    public void onError(Throwable throwable) {
      // reported through the response future
    }

    @Override
    public void onComplete() {
      // the outcome is read once the response future completes
    }

    RequestOutcome outcome(Throwable error) {
      long end = System.nanoTime();
      Result result;
      String detail = "";
      if (error != null) {
        detail = rootCause(error).toString();
        if (status != 0) {
          result = Result.STREAM_BROKEN;
        } else if (causedBy(error, ConnectException.class)) {
          result = Result.REFUSED;
        } else {
          result = Result.CONNECTION_LOST;
        }
      } else if (status != 200) {
        result = Result.HTTP_ERROR;
        detail = Optional.ofNullable(firstLine).orElse("");
      } else if (errorLine != null) {
        result = Result.STREAM_ERROR;
        detail = errorLine;
      } else if (!sawDone) {
        result = Result.STREAM_BROKEN;
        detail = "stream ended without its final chunk";
      } else {
        result = Result.OK;
      }
      return new RequestOutcome(member, api, start, end, result, status, backend, attempts, detail);
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        if (type.isInstance(c)) {
          return true;
        }
      }
      return false;
    }

    private static Throwable rootCause(Throwable t) {
      Throwable c = t;
      while (c.getCause() != null && c.getCause() != c) {
        c = c.getCause();
      }
      return c;
    }
  }
}
