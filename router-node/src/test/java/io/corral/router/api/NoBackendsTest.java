package io.corral.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.router.Http;
import io.corral.router.TestCluster;
import io.corral.router.protocol.ApiErrors;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A cluster without a single backend says so, and how to add one, instead of "model not found" (which sends an
 * Ollama client off to pull the model).
 */
class NoBackendsTest {

  static TestCluster cluster;
  static String api;

  @BeforeAll
  static void start() {
    cluster = new TestCluster();
    api = cluster.member(List.of()).apiUrl();
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void aChatWithNoBackendsAnywhereIs503NamingTheFixInEachApisShape() {
    HttpResponse<String> o = Http.post(api + "/api/chat", "{\"model\":\"llama3\",\"messages\":[]}");
    assertThat(o.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(o.body()).getString("error"))
        .startsWith("this cluster has no backends. Fix: start members with --backend URL")
        .contains("POST /admin/backends").doesNotContain("pulling");

    HttpResponse<String> a = Http.post(api + "/v1/chat/completions", "{\"model\":\"llama3\",\"messages\":[]}");
    assertThat(a.statusCode()).isEqualTo(503);
    JsonObject error = new JsonObject(a.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("no_backends");
    assertThat(error.getString("message")).isEqualTo("this cluster has no backends. Fix: "
        + ApiErrors.NO_BACKENDS_FIX);
  }
}
