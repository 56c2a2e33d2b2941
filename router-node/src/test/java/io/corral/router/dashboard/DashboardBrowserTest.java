package io.corral.router.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.corral.router.HeadlessChromium;
import io.corral.router.Http;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The dashboard in a real browser (the system's headless Chromium, driven by the system's chromedriver; nothing
 * is downloaded). Three members and a simulated Ollama on loopback: the page shows members, backends and the
 * queue with live values, counters move with traffic, events appear, and when the member serving the page dies
 * the page follows another member by itself. Skipped where Chromium or chromedriver is not installed.
 */
class DashboardBrowserTest {

  static TestCluster cluster;
  static SimulatedBackend sim;
  static RouterNode first;
  static RouterNode second;
  static RouterNode third;
  static int dashboardPort;
  static WebDriver browser;

  @BeforeAll
  static void start() throws IOException {
    if (!HeadlessChromium.installed()) {
      // the test itself reports the skip (an assumption here would hide the test from the count)
      return;
    }
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      dashboardPort = s.getLocalPort();
    }
    cluster = new TestCluster();
    // one slot and a slow first token: a few concurrent requests make a visible queue
    sim = cluster.sim(SimBackendOptions.ollama("llama3").withFirstTokenDelay(Duration.ofMillis(1500)));
    Consumer<Map<String, Object>> flags = f -> {
      f.put("dashboardPort", Integer.toString(dashboardPort));
      f.put("dashboardStatsInterval", "300ms");
    };
    first = cluster.member(List.of(sim.url() + ";slots=1"), flags);
    second = cluster.member(List.of(), flags);
    third = cluster.member(List.of(), flags);
    await().atMost(Duration.ofSeconds(15)).until(() -> third.backends().all().stream().anyMatch(b -> b.isUp()));

    browser = HeadlessChromium.start();
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void thePageShowsTheClusterLiveAndFollowsAnotherMemberWhenItsServerDies() throws Exception {
    Assumptions.assumeTrue(HeadlessChromium.installed(),
        HeadlessChromium.MISSING);
    browser.get(first.apiUrl() + "/dashboard");

    // members, with the leader badge on the oldest; the backend with its health and slots; an empty queue
    page(15).untilAsserted(() -> {
      assertThat(rows("members")).hasSize(3);
      assertThat(text("tile-members")).isEqualTo("3");
      assertThat(browser.findElement(By.cssSelector("#members tr.is-leader")).getAttribute("data-api"))
          .isEqualTo(first.apiUrl());
      WebElement backend = browser.findElement(By.cssSelector("#backends tr[data-backend='" + sim.url() + "']"));
      assertThat(backend.findElement(By.cssSelector(".health")).getText()).isEqualTo("up");
      assertThat(backend.findElement(By.cssSelector(".slots")).getText()).contains("0 / 1");
      assertThat(backend.getText()).contains("llama3:latest");
      assertThat(text("queue-depth")).isEqualTo("0");
      assertThat(status()).startsWith("live via");
    });
    long before = number(text("tile-total"));

    // traffic through the other members, tagged with an app: the queue fills, counters move, an event appears
    Http.post(second.apiUrl() + "/api/applications/register", "{\"name\":\"browser-test\",\"kind\":\"script\"}");
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      RouterNode via = i % 2 == 0 ? second : third;
      calls.add(Http.CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(via.apiUrl() + "/api/chat"))
          .header("Content-Type", "application/json").header("X-Corral-App", "browser-test")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3\",\"stream\":false,"
              + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    page(10).untilAsserted(() -> {
      assertThat(number(text("queue-depth"))).isPositive();
      assertThat(browser.findElement(By.id("queue-priority")).getText()).contains("priority 5");
    });
    screenshot("dashboard-queue.png");
    for (CompletableFuture<HttpResponse<String>> c : calls) {
      assertThat(c.get().statusCode()).isEqualTo(200);
    }
    page(15).untilAsserted(() -> {
      assertThat(number(text("tile-total"))).isGreaterThanOrEqualTo(before + 4);
      WebElement backend = browser.findElement(By.cssSelector("#backends tr[data-backend='" + sim.url() + "']"));
      assertThat(number(backend.findElement(By.cssSelector(".requests")).getText())).isGreaterThanOrEqualTo(4);
      assertThat(browser.findElement(By.cssSelector("#apps tr[data-app='browser-test']")).getText())
          .contains("active").contains("4");
      assertThat(browser.findElements(By.cssSelector("#events li[data-type='app_registered']"))).isNotEmpty();
      assertThat(text("queue-depth")).isEqualTo("0");
    });
    screenshot("dashboard-live.png");

    // the member serving the page (and leading) dies: the page moves to a live member and shows its data
    first.terminate();
    page(20).untilAsserted(() -> {
      assertThat(browser.findElement(By.id("status")).getAttribute("data-source"))
          .isIn(second.apiUrl(), third.apiUrl());
      assertThat(status()).startsWith("live via");
      assertThat(rows("members")).hasSize(2);
      assertThat(browser.findElement(By.cssSelector("#members tr.is-leader")).getAttribute("data-api"))
          .isEqualTo(second.apiUrl());
      assertThat(browser.findElements(By.cssSelector("#events li[data-type='member_left']"))).isNotEmpty();
    });
    // the new leader took the dashboard port over
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      HttpResponse<String> r = Http.get("http://127.0.0.1:" + dashboardPort + "/api/dashboard");
      assertThat(r.headers().firstValue("X-Corral-Member")).hasValue(second.member().self().name());
    });
    screenshot("dashboard-after-failover.png");
  }

  /** Waits on the page: elements are re-rendered with every push, so a stale or missing one means "not yet". */
  private static org.awaitility.core.ConditionFactory page(int seconds) {
    return await().atMost(Duration.ofSeconds(seconds)).pollInterval(Duration.ofMillis(200))
        .ignoreExceptionsMatching(e -> e instanceof org.openqa.selenium.StaleElementReferenceException
            || e instanceof org.openqa.selenium.NoSuchElementException);
  }

  private static List<WebElement> rows(String table) {
    return browser.findElements(By.cssSelector("#" + table + " tbody tr[data-member-id], #" + table
        + " tbody tr[data-backend]"));
  }

  private static String text(String id) {
    return browser.findElement(By.id(id)).getText().trim();
  }

  private static String status() {
    return text("status");
  }

  private static long number(String text) {
    String digits = text.replaceAll("[^0-9]", "");
    return digits.isEmpty() ? -1 : Long.parseLong(digits);
  }

  /** Saves a screenshot under target/ (a test artifact CI can keep). */
  private static void screenshot(String name) throws IOException {
    File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
    Path dir = Path.of("target", "screenshots");
    Files.createDirectories(dir);
    Files.copy(shot.toPath(), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
  }
}
