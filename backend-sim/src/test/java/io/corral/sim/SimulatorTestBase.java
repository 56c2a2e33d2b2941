package io.corral.sim;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** One Vert.x per test class; backends started by a test listen on 127.0.0.1:0 and are closed after it. */
abstract class SimulatorTestBase {

  static Vertx vertx;
  TestHttp http;
  private final List<SimulatedBackend> started = new ArrayList<>();

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void closeVertx() {
    TestHttp.await(vertx.close());
  }

  @BeforeEach
  void openClient() {
    http = new TestHttp(vertx);
  }

  @AfterEach
  void closeBackends() {
    started.forEach(b -> TestHttp.await(b.close()));
    started.clear();
    http.close();
  }

  SimulatedBackend start(SimBackendOptions options) {
    SimulatedBackend backend = TestHttp.await(SimulatedBackend.start(vertx, options, "127.0.0.1", 0));
    started.add(backend);
    return backend;
  }
}
