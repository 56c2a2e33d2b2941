package io.corral.discovery.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.cluster.HostPort;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Coordinators read from {@code ps -eo pid,args} output (fixture: a host with three coordinators). */
class PsListingTest {

  @Test
  void everyLlamaServerInAPsListingIsFoundAndNothingElse() throws IOException {
    List<Coordinator> found = PsListing.coordinators(fixture("rpc/ps-eo-pid-args.txt"));

    assertThat(found).containsExactly(
        new Coordinator(1201, Optional.of(new HostPort("127.0.0.1", 8090)),
            List.of(new HostPort("127.0.0.1", 50052), new HostPort("127.0.0.1", 50053))),
        new Coordinator(1377, Optional.of(new HostPort("127.0.0.1", 8080)),
            List.of(new HostPort("127.0.0.1", 50054), new HostPort("localhost", 50055))),
        new Coordinator(1502, Optional.of(new HostPort("127.0.0.1", 8091)), List.of()));
  }

  @Test
  void headersBlankLinesAndLinesWithoutAPidAreIgnored() {
    String listing = "  PID COMMAND\n\n   \nllama-server --rpc 127.0.0.1:50052\n  0 llama-server\n"
        + "  7 llama-server --rpc 127.0.0.1:50052\r\n";

    assertThat(PsListing.coordinators(listing)).extracting(Coordinator::pid).containsExactly(7L);
  }

  @Test
  void coordinatorsComeOutOrderedByPid() {
    String listing = "300 llama-server\n20 llama-server\n1000 llama-server\n";

    assertThat(PsListing.coordinators(listing)).extracting(Coordinator::pid).containsExactly(20L, 300L, 1000L);
  }

  private static String fixture(String name) throws IOException {
    try (InputStream in = PsListingTest.class.getClassLoader().getResourceAsStream(name)) {
      assertThat(in).as("test resource %s", name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
