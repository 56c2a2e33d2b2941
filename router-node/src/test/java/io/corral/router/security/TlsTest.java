package io.corral.router.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import io.corral.sim.SimBackendOptions;
import io.corral.sim.SimulatedBackend;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Optional TLS (issue 17): given a certificate and key, a member serves its API and the leader's dashboard port
 * over HTTPS only, advertises https URLs, and a client that trusts the certificate gets the same answers as over
 * plain HTTP.
 */
class TlsTest {

  private final TestCluster cluster = new TestCluster();

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void withACertificateTheApiAndTheDashboardPortSpeakHttpsOnly() throws Exception {
    Path dir = Files.createTempDirectory("corral-tls");
    Pem cert = selfSigned(dir);
    SimulatedBackend sim = cluster.sim(SimBackendOptions.ollama("llama3"));
    int dashboardPort = freePort();
    RouterNode n = cluster.member(List.of(sim.url()), f -> {
      f.put("tlsCert", cert.certificate().toString());
      f.put("tlsKey", cert.key().toString());
      f.put("dashboardPort", Integer.toString(dashboardPort));
    });
    assertThat(n.apiUrl()).startsWith("https://");
    HttpClient https = HttpClient.newBuilder().sslContext(trusting(cert.certificate()))
        .connectTimeout(Duration.ofSeconds(5)).build();

    HttpResponse<String> chat = https.send(HttpRequest.newBuilder(URI.create(n.apiUrl() + "/api/chat"))
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3\","
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":false}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(chat.statusCode()).isEqualTo(200);
    assertThat(chat.body()).contains("\"done\":true");

    String port = "https://127.0.0.1:" + dashboardPort;
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> https.send(HttpRequest.newBuilder(
        URI.create(port + "/dashboard")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    assertThat(https.send(HttpRequest.newBuilder(URI.create(n.apiUrl() + "/api/dashboard")).build(),
        HttpResponse.BodyHandlers.ofString()).body()).contains(port + "/dashboard");

    // plain HTTP gets no answer from either port
    HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    for (String url : List.of(n.apiUrl().replace("https://", "http://") + "/api/version",
        "http://127.0.0.1:" + dashboardPort + "/dashboard")) {
      assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
          .build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(dir);
  }

  record Pem(Path certificate, Path key) {}

  /**
   * A certificate for 127.0.0.1 (as a subject alternative name, which clients require for an address) made with
   * the JDK's keytool and written out as the PEM files an operator would have.
   */
  static Pem selfSigned(Path dir) throws Exception {
    Path store = dir.resolve("corral.p12");
    Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
        "-genkeypair", "-alias", "corral", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=corral-test",
        "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
        "-storepass", "changeit", "-keypass", "changeit").redirectErrorStream(true).start();
    String out = new String(keytool.getInputStream().readAllBytes());
    assertThat(keytool.waitFor()).as(out).isZero();
    KeyStore p12 = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      p12.load(in, "changeit".toCharArray());
    }
    Base64.Encoder mime = Base64.getMimeEncoder(64, "\n".getBytes());
    Path certificate = dir.resolve("cert.pem");
    Files.writeString(certificate, "-----BEGIN CERTIFICATE-----\n"
        + mime.encodeToString(p12.getCertificate("corral").getEncoded()) + "\n-----END CERTIFICATE-----\n");
    Path key = dir.resolve("key.pem");
    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\n"
        + mime.encodeToString(p12.getKey("corral", "changeit".toCharArray()).getEncoded())
        + "\n-----END PRIVATE KEY-----\n");
    return new Pem(certificate, key);
  }

  /** A client that trusts exactly this certificate, as an operator's would after installing it. */
  static SSLContext trusting(Path pem) throws Exception {
    Certificate certificate;
    try (InputStream in = Files.newInputStream(pem)) {
      certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    store.setCertificateEntry("corral", certificate);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return ssl;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
