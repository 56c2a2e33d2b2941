package io.corral.router.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.map.IMap;
import io.corral.cluster.apps.AppRegistry;
import io.corral.cluster.apps.RegisteredApp;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 17's fourth attack: the dashboard turned against its viewers. Links render only for http(s) URLs, the page
 * carries a strict Content-Security-Policy, the dashboard port checks origins like the API port, its data streams
 * do not answer any origin, and a flood of app registrations leaves the snapshot small.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardSafetyTest {

  static final HttpClient HTTP = HttpClient.newHttpClient();
  static TestCluster cluster;
  static RouterNode member;
  static String port;

  @BeforeAll
  static void start() throws IOException {
    cluster = new TestCluster();
    int free;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      free = s.getLocalPort();
    }
    member = cluster.member(List.of(), f -> f.put("dashboardPort", Integer.toString(free)));
    port = "http://127.0.0.1:" + free;
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> get(port + "/dashboard", null)
        .statusCode() == 200);
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  static HttpResponse<String> get(String url, String origin) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
    if (origin != null) {
      b.header("Origin", origin);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> register(String base, String body, String contentType, String origin)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/applications/register"))
        .timeout(Duration.ofSeconds(5)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (origin != null) {
      b.header("Origin", origin);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @Order(1)
  void aJavascriptLinkIsRefusedAtRegistrationAndNeverRendered() throws Exception {
    HttpResponse<String> r = register(member.apiUrl(), "{\"name\":\"evil\",\"dashboardUrl\":\"javascript:alert(1)\"}",
        "application/json", null);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(register(member.apiUrl(), "{\"name\":\"ok\",\"dashboardUrl\":\"https://ok.example/x\"}",
        "application/json", null).statusCode()).isEqualTo(200);
    // one stored before the check (through the registry itself) is rendered without its link
    IMap<String, RegisteredApp> map = member.member().hazelcast().getMap(AppRegistry.MAP_NAME);
    long now = System.currentTimeMillis();
    map.set("old", new RegisteredApp("old", "", "app", "javascript:alert(2)", member.apiUrl(), now, now));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      String snapshot = get(member.apiUrl() + "/api/applications", null).body();
      assertThat(snapshot).contains("\"old\"").doesNotContain("javascript:");
      assertThat(snapshot).contains("https://ok.example/x");
    });
  }

  @Test
  @Order(2)
  void thePageCarriesAStrictContentSecurityPolicyOnBothPorts() throws Exception {
    for (String base : List.of(port, member.apiUrl())) {
      HttpResponse<String> page = get(base + "/dashboard", null);
      assertThat(page.headers().firstValue("Content-Security-Policy")).get().asString()
          .contains("script-src 'self'", "frame-ancestors 'none'");
      assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    }
  }

  @Test
  @Order(3)
  void aForeignPageCannotRegisterAppsOrReadTheClustersStreams() throws Exception {
    String evil = "http://evil.example";
    // a "simple" cross-origin POST (text/plain, no preflight) to the dashboard port
    HttpResponse<String> post = register(port, "{\"name\":\"from-a-web-page\"}", "text/plain", evil);
    assertThat(post.statusCode()).isEqualTo(403);
    assertThat(get(member.apiUrl() + "/api/applications", null).body()).doesNotContain("from-a-web-page");
    for (String path : List.of("/metrics/cluster", "/api/dashboard")) {
      HttpResponse<String> r = get(port + path, evil);
      assertThat(r.headers().allValues("Access-Control-Allow-Origin")).as(path).doesNotContain("*", evil);
    }
    // the stream: opened and checked for its headers only
    HttpResponse<InputStream> stream = HTTP.send(HttpRequest.newBuilder(URI.create(port + "/dashboard/events"))
        .header("Origin", evil).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.headers().allValues("Access-Control-Allow-Origin")).doesNotContain("*", evil);
    stream.body().close();
    // another member's page may read it (the dashboard fails over between members)
    HttpResponse<InputStream> ours = HTTP.send(HttpRequest.newBuilder(URI.create(port + "/dashboard/events"))
        .header("Origin", member.apiUrl()).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(ours.headers().firstValue("Access-Control-Allow-Origin")).hasValue(member.apiUrl());
    ours.body().close();
  }

  @Test
  @Order(99) // last: it fills the registry the other tests register into
  void tenThousandRegistrationsLeaveTheSnapshotSmall() throws Exception {
    Semaphore inFlight = new Semaphore(32);
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      inFlight.acquire();
      all.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(port + "/api/applications/register"))
              .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                  "{\"name\":\"flood-" + i + "\",\"version\":\"" + "v".repeat(150) + "\"}")).build(),
          HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> inFlight.release()));
    }
    long refused = 0;
    for (CompletableFuture<HttpResponse<String>> f : all) {
      if (f.get(30, TimeUnit.SECONDS).statusCode() == 503) {
        refused++;
      }
    }
    assertThat(refused).isGreaterThan(9_000);
    String snapshot = get(member.apiUrl() + "/api/dashboard", null).body();
    assertThat(new JsonObject(snapshot).getJsonArray("applications").size()).isLessThanOrEqualTo(600);
    assertThat(snapshot.length()).as("snapshot bytes").isLessThan(512 * 1024);
  }
}
