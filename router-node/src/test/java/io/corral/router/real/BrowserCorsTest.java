package io.corral.router.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.HeadlessChromium;
import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

/**
 * Issue 17's ninth report: through a real llama-server, browser apps broke, because corral sent its own
 * {@code Access-Control-Allow-Origin} and passed the backend's too, and Chromium refuses a header with two
 * values. A page on another origin of this machine calls the member from headless Chromium (a JSON POST, so the
 * browser asks first with a preflight) and reads the real model's answer; the headers carry exactly one
 * {@code Access-Control-Allow-Origin}. Skipped without the llama.cpp packages or without Chromium.
 */
class BrowserCorsTest {

  static Process llama;
  static TestCluster cluster;
  static RouterNode member;
  static String llamaUrl;
  static Vertx vertx;
  static HttpServer page;
  static WebDriver browser;

  /** The app: a page that asks the model through the member and shows the outcome. */
  static final String APP = """
      <!doctype html><html><body><pre id="out">pending</pre><script>
      fetch(new URLSearchParams(location.search).get('api') + '/v1/chat/completions', {
        method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({model: 'tiny-llama', max_tokens: 4,
          messages: [{role: 'user', content: 'Say hi'}]})
      }).then(r => r.json().then(j => {
        document.getElementById('out').textContent = 'status ' + r.status + ' choices ' + j.choices.length;
      })).catch(e => { document.getElementById('out').textContent = 'failed ' + e; });
      </script></body></html>
      """;

  @BeforeAll
  static void start() throws Exception {
    if (!HeadlessChromium.installed()) {
      return;
    }
    RealBackends real = RealBackends.installOrSkip();
    int port = RealBackends.freeLoopbackPort();
    llama = real.llamaServer(port, "llama-server-cors.log", "-np", "1");
    llamaUrl = "http://127.0.0.1:" + port;
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> Http.get(llamaUrl + "/health").statusCode() == 200);
    cluster = new TestCluster();
    member = cluster.member(List.of(llamaUrl));
    vertx = Vertx.vertx();
    page = vertx.createHttpServer().requestHandler(req -> req.response()
            .putHeader("Content-Type", "text/html; charset=utf-8").end(APP))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    browser = HeadlessChromium.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) {
      browser.quit();
    }
    if (cluster != null) {
      cluster.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    RealBackends.stop(llama);
  }

  @Test
  void aPageOnAnotherOriginReadsTheRealModelsAnswerThroughTheMember() throws Exception {
    Assumptions.assumeTrue(HeadlessChromium.installed(), HeadlessChromium.MISSING);
    String origin = "http://127.0.0.1:" + page.actualPort();
    HttpClient http = HttpClient.newHttpClient();
    String body = "{\"model\":\"tiny-llama\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    // the backend answers CORS itself: this is what used to reach the browser a second time
    HttpResponse<String> direct = http.send(HttpRequest.newBuilder(URI.create(llamaUrl + "/v1/chat/completions"))
        .header("Origin", origin).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(direct.headers().allValues("Access-Control-Allow-Origin")).isNotEmpty();

    // through the member, the preflight and the answer each carry exactly one, naming the page's origin
    HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(URI.create(member.apiUrl()
            + "/v1/chat/completions")).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", origin).header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(preflight.headers().allValues("Access-Control-Allow-Origin")).containsExactly(origin);
    HttpResponse<String> proxied = http.send(HttpRequest.newBuilder(URI.create(member.apiUrl()
            + "/v1/chat/completions")).header("Origin", origin).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(proxied.statusCode()).isEqualTo(200);
    assertThat(proxied.headers().allValues("Access-Control-Allow-Origin")).containsExactly(origin);

    // and the browser, which is what refused the doubled header, reads the answer
    browser.get(origin + "/app.html?api=" + member.apiUrl());
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
        !browser.findElement(By.id("out")).getText().equals("pending"));
    assertThat(browser.findElement(By.id("out")).getText()).isEqualTo("status 200 choices 1");
  }
}
