package io.corral.router.api;

import io.corral.router.Http;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Reads a streamed response line by line and notes when each line reached the client. */
record StreamTiming(int status, Map<String, List<String>> headers, List<String> lines, List<Long> arrivalMillis) {

  static StreamTiming post(String url, String json) {
    HttpRequest req = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    long start = System.nanoTime();
    try {
      HttpResponse<Stream<String>> resp = Http.CLIENT.send(req, HttpResponse.BodyHandlers.ofLines());
      List<String> lines = new ArrayList<>();
      List<Long> times = new ArrayList<>();
      resp.body().forEach(line -> {
        if (!line.isEmpty()) {
          lines.add(line);
          times.add((System.nanoTime() - start) / 1_000_000);
        }
      });
      return new StreamTiming(resp.statusCode(), resp.headers().map(), lines, times);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  String header(String name) {
    return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
        .map(e -> e.getValue().get(0)).findFirst().orElse(null);
  }

  /** Time between the first and the last line reaching the client. */
  long spreadMillis() {
    return arrivalMillis.get(arrivalMillis.size() - 1) - arrivalMillis.get(0);
  }
}
