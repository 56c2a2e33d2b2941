package io.corral.discovery.scan;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.cluster.HostPort;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ScanTargetsTest {

  private static final List<ScanPort> TWO_PORTS =
      List.of(new ScanPort(11434, PortKind.OLLAMA), new ScanPort(50052, PortKind.RPC_SERVER));

  @Test
  void pairsComeHostByHostInAddressOrderThenPortByPort() {
    ScanTargets targets = new ScanTargets(List.of(ScanRange.parse("10.0.0.0/30")), TWO_PORTS, Set.of());

    assertThat(drain(targets)).containsExactly(
        "10.0.0.1:11434", "10.0.0.1:50052", "10.0.0.2:11434", "10.0.0.2:50052");
    assertThat(targets.hosts()).isEqualTo(2);
  }

  @Test
  void aHostCoveredByAnEarlierRangeIsScannedOnlyOnce() {
    ScanTargets targets = new ScanTargets(
        List.of(ScanRange.parse("10.0.0.2"), ScanRange.parse("10.0.0.0/30")), List.of(TWO_PORTS.get(0)), Set.of());

    assertThat(drain(targets)).containsExactly("10.0.0.2:11434", "10.0.0.1:11434");
    assertThat(targets.hosts()).isEqualTo(2);
  }

  @Test
  void skippedPairsAreCountedAndNeverHandedOut() {
    ScanTargets targets = new ScanTargets(List.of(ScanRange.parse("10.0.0.0/30")), TWO_PORTS,
        Set.of(new HostPort("10.0.0.2", 50052)));

    assertThat(drain(targets)).containsExactly("10.0.0.1:11434", "10.0.0.1:50052", "10.0.0.2:11434");
    assertThat(targets.skipped()).isEqualTo(1);
  }

  @Test
  void noPortsMeansNothingToTry() {
    ScanTargets targets = new ScanTargets(List.of(ScanRange.parse("10.0.0.0/24")), List.of(), Set.of());

    assertThat(targets.next()).isNull();
    assertThat(targets.atMost()).isZero();
  }

  private static List<String> drain(ScanTargets targets) {
    List<String> pairs = new ArrayList<>();
    for (ScanTarget t = targets.next(); t != null; t = targets.next()) {
      pairs.add(t.toString());
    }
    return pairs;
  }
}
