package io.corral.bench.sticky;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Multi-turn chats through corral members against real llama-servers: how much of each turn's prompt the backend
 * found in its KV cache ({@code timings.cache_n} against {@code timings.prompt_n}, as llama-server reports them),
 * how long it spent on the prompt, and the latency the client saw. Conversations run in parallel; each sends its
 * turns one after another with a pause between them ({@code --think-ms}, up to), every turn through the next
 * member, with the whole history as chat clients do.
 *
 * <pre>
 * java -cp corral-benchmarks.jar io.corral.bench.sticky.ConversationBench --label on \
 *     --members http://127.0.0.1:8000,http://127.0.0.1:8001 --model mid --conversations 4 --turns 6
 * </pre>
 * Prints one markdown table row (turns after the first; the first has nothing cached anywhere).
 */
public final class ConversationBench {

  record Turn(int conversation, int index, String backend, double latencyMs, long promptTokens, long cachedTokens,
      double promptMs) {}

  private ConversationBench() {}

  public static void main(String[] args) throws Exception {
    String label = "run";
    List<String> members = List.of("http://127.0.0.1:8000");
    int conversations = 4;
    int turns = 6;
    int systemWords = 60;
    int questionWords = 10;
    int maxTokens = 16;
    String model = "mid";
    int thinkMs = 1500;
    for (int i = 0; i < args.length; i += 2) {
      String v = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--label" -> label = v;
        case "--members" -> members = List.of(v.split(","));
        case "--conversations" -> conversations = Integer.parseInt(v);
        case "--turns" -> turns = Integer.parseInt(v);
        case "--system-words" -> systemWords = Integer.parseInt(v);
        case "--question-words" -> questionWords = Integer.parseInt(v);
        case "--max-tokens" -> maxTokens = Integer.parseInt(v);
        case "--model" -> model = v;
        case "--think-ms" -> thinkMs = Integer.parseInt(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    List<Turn> all = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(conversations);
    List<Future<?>> running = new ArrayList<>();
    final List<String> via = members;
    final int t = turns;
    final int sw = systemWords;
    final int qw = questionWords;
    final int mt = maxTokens;
    final String tag = label;
    final String m = model;
    final int think = thinkMs;
    for (int c = 0; c < conversations; c++) {
      final int conv = c;
      running.add(pool.submit(() -> {
        converse(http, via, tag, m, conv, t, sw, qw, mt, think, all);
        return null;
      }));
    }
    for (Future<?> f : running) {
      f.get();
    }
    pool.shutdown();
    report(label, all);
  }

  private static void converse(HttpClient http, List<String> members, String label, String model, int conv,
      int turns,
      int systemWords, int questionWords, int maxTokens, int thinkMs, List<Turn> out) throws Exception {
    // the reader's pause between turns, the same in every run: other conversations' turns fall in between, as
    // they do with real users, so where a turn lands depends on the load it meets
    Random pauses = new Random(1000L * conv + 7);
    JsonArray history = new JsonArray().add(new JsonObject().put("role", "system")
        .put("content", words("rule" + label + conv, systemWords)));
    for (int turn = 0; turn < turns; turn++) {
      history.add(new JsonObject().put("role", "user").put("content", words("ask" + turn + "c" + conv,
          questionWords)));
      String member = members.get((conv + turn) % members.size());
      JsonObject body = new JsonObject().put("model", model).put("stream", false).put("max_tokens", maxTokens)
          .put("ignore_eos", true).put("messages", history);
      long start = System.nanoTime();
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(member + "/v1/chat/completions"))
          .timeout(Duration.ofMinutes(5)).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
      double latencyMs = (System.nanoTime() - start) / 1e6;
      if (r.statusCode() != 200) {
        throw new IllegalStateException("turn " + turn + " of conversation " + conv + " answered " + r.statusCode()
            + ": " + r.body());
      }
      JsonObject answer = new JsonObject(r.body());
      JsonObject timings = answer.getJsonObject("timings", new JsonObject());
      out.add(new Turn(conv, turn, r.headers().firstValue("X-Corral-Backend").orElse("?"), latencyMs,
          timings.getLong("prompt_n", 0L), timings.getLong("cache_n", 0L), timings.getDouble("prompt_ms", 0.0)));
      String content = answer.getJsonArray("choices").getJsonObject(0).getJsonObject("message")
          .getString("content", "");
      history.add(new JsonObject().put("role", "assistant").put("content", content));
      if (thinkMs > 0) {
        Thread.sleep(pauses.nextInt(thinkMs + 1));
      }
    }
  }

  /** Distinct filler words, so no two conversations share a prefix beyond the chat template. */
  private static String words(String seed, int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(seed).append(i).append(' ');
    }
    return s.toString().trim();
  }

  private static void report(String label, List<Turn> all) {
    List<Turn> later = all.stream().filter(t -> t.index() > 0).toList();
    List<Double> latencies = later.stream().map(Turn::latencyMs).sorted().toList();
    long cached = later.stream().mapToLong(Turn::cachedTokens).sum();
    long processed = later.stream().mapToLong(Turn::promptTokens).sum();
    double promptMs = later.stream().mapToDouble(Turn::promptMs).average().orElse(0);
    long sameBackend = later.stream().filter(t -> all.stream().anyMatch(p -> p.conversation() == t.conversation()
        && p.index() == t.index() - 1 && p.backend().equals(t.backend()))).count();
    System.out.printf(Locale.ROOT, "| %s | %d | %.0f%% | %.0f%% | %d | %.0f | %.0f | %.0f | %.0f |%n", label,
        later.size(), 100.0 * sameBackend / Math.max(1, later.size()),
        100.0 * cached / Math.max(1, cached + processed), processed, promptMs, percentile(latencies, 0.5),
        latencies.stream().mapToDouble(Double::doubleValue).average().orElse(0), percentile(latencies, 0.95));
  }

  private static double percentile(List<Double> sorted, double q) {
    if (sorted.isEmpty()) {
      return 0;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
  }
}
