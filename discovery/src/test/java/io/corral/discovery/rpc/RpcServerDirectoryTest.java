package io.corral.discovery.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.corral.cluster.HostPort;
import io.corral.cluster.backends.BackendKind;
import io.corral.discovery.scan.EndpointStatus;
import io.corral.discovery.scan.FoundEndpoint;
import io.corral.discovery.scan.PortKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Merging rpc-server sightings by source priority, and what must never be touched. */
class RpcServerDirectoryTest {

  private static final HostPort A = new HostPort("127.0.0.1", 50052);
  private static final HostPort B = new HostPort("127.0.0.1", 50053);
  private static final HostPort C = new HostPort("127.0.0.2", 50052);
  private static final HostPort D = new HostPort("127.0.0.3", 50052);

  private static final Coordinator FIRST = new Coordinator(300, api(8099), List.of(A, B));
  private static final Coordinator SECOND = new Coordinator(120, Optional.empty(), List.of(B));

  @Test
  void eachAddressIsListedOnceWithItsMostTrustedSource() {
    RpcServerDirectory directory = RpcServerDirectory.merge(everySource());

    assertThat(directory.entries()).extracting(RpcServerEntry::address, RpcServerEntry::source)
        .containsExactly(
            tuple(A, RpcSource.RUNNING_COORDINATOR),
            tuple(B, RpcSource.RUNNING_COORDINATOR),
            tuple(C, RpcSource.BACKENDS_FILE),
            tuple(D, RpcSource.SCAN),
            tuple(new HostPort("127.0.0.10", 50052), RpcSource.CACHED_STATE));
    assertThat(directory.entry(A).orElseThrow().seenBy()).containsExactly(RpcSource.RUNNING_COORDINATOR,
        RpcSource.BACKENDS_FILE, RpcSource.SCAN, RpcSource.CACHED_STATE);
  }

  @Test
  void theOrderInWhichSourcesReportDoesNotChangeTheResult() {
    RpcServerDirectory expected = RpcServerDirectory.merge(everySource());
    Random random = new Random(5);
    for (int i = 0; i < 20; i++) {
      List<RpcSighting> shuffled = new ArrayList<>(everySource());
      Collections.shuffle(shuffled, random);

      assertThat(RpcServerDirectory.merge(shuffled)).isEqualTo(expected);
    }
  }

  @Test
  void aServerARunningCoordinatorNamesIsInUseAndListsEveryCoordinatorUsingItByPid() {
    RpcServerDirectory directory = RpcServerDirectory.merge(everySource());

    assertThat(directory.entry(B).orElseThrow().usedBy()).containsExactly(
        new CoordinatorRef(120, Optional.empty()), new CoordinatorRef(300, api(8099)));
    assertThat(directory.entries()).filteredOn(RpcServerEntry::inUse).extracting(RpcServerEntry::address)
        .containsExactly(A, B);
    assertThat(directory.entry(C).orElseThrow().usedBy()).isEmpty();
  }

  @Test
  void doNotTouchHoldsExactlyTheServersARunningCoordinatorUses() {
    assertThat(RpcServerDirectory.merge(everySource()).doNotTouch()).containsExactly(A, B);
  }

  @Test
  void aServerInUseAsLocalhostIsAlsoSkippedAsADottedQuad() {
    Coordinator c = new Coordinator(7, api(8099), List.of(new HostPort("localhost", 50052)));

    assertThat(RpcServerDirectory.merge(RpcSighting.usedBy(List.of(c))).doNotTouch())
        .containsExactly(new HostPort("localhost", 50052), A);
  }

  @Test
  void aLoopbackServerInUseIsAlsoSkippedAtEveryAddressOfItsHost() {
    // A bound to all interfaces is reachable at the host's other addresses too; a named remote host is not local.
    Coordinator c = new Coordinator(7, api(8099), List.of(A, C, new HostPort("rpc-box", 50052)));

    assertThat(RpcServerDirectory.merge(RpcSighting.usedBy(List.of(c))).doNotTouch(List.of("127.0.5.1", "::1")))
        .containsExactly(A, new HostPort("127.0.5.1", 50052), new HostPort("::1", 50052), C,
            new HostPort("rpc-box", 50052));
  }

  @Test
  void serversNoCoordinatorUsesAreNeverInDoNotTouch() {
    RpcServerDirectory directory = RpcServerDirectory.merge(RpcSighting.of(RpcSource.BACKENDS_FILE, List.of(A, B)));

    assertThat(directory.entries()).noneMatch(RpcServerEntry::inUse);
    assertThat(directory.doNotTouch()).isEmpty();
  }

  @Test
  void placeholderSightingsAreDroppedFromEverySource() {
    List<RpcSighting> sightings = new ArrayList<>();
    sightings.addAll(RpcSighting.of(RpcSource.BACKENDS_FILE, List.of(new HostPort("coordinator", 50052), A)));
    sightings.addAll(RpcSighting.of(RpcSource.CACHED_STATE, List.of(new HostPort("Coordinator", 50053))));
    sightings.addAll(RpcSighting.usedBy(List.of(new Coordinator(9, api(8099),
        List.of(new HostPort("COORDINATOR", 50054))))));

    assertThat(RpcServerDirectory.merge(sightings).entries()).extracting(RpcServerEntry::address)
        .containsExactly(A);
  }

  @Test
  void oneServerSpelledInDifferentCaseIsOneEntry() {
    List<RpcSighting> sightings = new ArrayList<>();
    sightings.addAll(RpcSighting.of(RpcSource.BACKENDS_FILE, List.of(new HostPort("RPC-Box", 50052))));
    sightings.addAll(RpcSighting.of(RpcSource.SCAN, List.of(new HostPort("rpc-box", 50052))));

    RpcServerDirectory directory = RpcServerDirectory.merge(sightings);

    assertThat(directory.entries()).singleElement().extracting(RpcServerEntry::source)
        .isEqualTo(RpcSource.BACKENDS_FILE);
    assertThat(directory.entry(new HostPort("RPC-BOX", 50052))).isPresent();
  }

  @Test
  void entriesAreOrderedByAddressWithDottedQuadsInNumericOrder() {
    List<HostPort> addresses = List.of(new HostPort("rpc-b", 1), new HostPort("127.0.0.10", 50052),
        new HostPort("127.0.0.9", 50053), new HostPort("127.0.0.9", 50052), new HostPort("rpc-a", 2),
        new HostPort("::1", 50052));

    assertThat(RpcServerDirectory.merge(RpcSighting.of(RpcSource.SCAN, addresses)).entries())
        .extracting(e -> e.address().toString())
        .containsExactly("127.0.0.9:50052", "127.0.0.9:50053", "127.0.0.10:50052", "[::1]:50052", "rpc-a:2",
            "rpc-b:1");
  }

  @Test
  void onlyPresumedRpcServersOfAScanBecomeSightings() {
    List<FoundEndpoint> found = List.of(
        endpoint("127.0.0.11", 50052, EndpointStatus.PRESUMED_RPC_SERVER, BackendKind.RPC_SERVER),
        endpoint("127.0.0.12", 50052, EndpointStatus.UNKNOWN, BackendKind.UNKNOWN),
        endpoint("127.0.0.13", 8080, EndpointStatus.BACKEND, BackendKind.LLAMA_SERVER),
        endpoint("127.0.0.14", 8000, EndpointStatus.CORRAL_MEMBER, BackendKind.UNKNOWN));

    assertThat(RpcSighting.scanned(found)).containsExactly(
        new RpcSighting(new HostPort("127.0.0.11", 50052), RpcSource.SCAN, Optional.empty()));
  }

  @Test
  void aCoordinatorComesWithARunningCoordinatorSightingAndOnlyWithIt() {
    assertThatThrownBy(() -> new RpcSighting(A, RpcSource.SCAN, Optional.of(new CoordinatorRef(1, api(8099)))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RpcSighting(A, RpcSource.RUNNING_COORDINATOR, Optional.empty()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RpcSighting.of(RpcSource.RUNNING_COORDINATOR, List.of(A)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void thePriorityOrderIsRunningCoordinatorThenBackendsFileThenScanThenCachedState() {
    assertThat(RpcSource.values()).containsExactly(RpcSource.RUNNING_COORDINATOR, RpcSource.BACKENDS_FILE,
        RpcSource.SCAN, RpcSource.CACHED_STATE);
    assertThat(RpcSource.BACKENDS_FILE.outranks(RpcSource.SCAN)).isTrue();
    assertThat(RpcSource.SCAN.outranks(RpcSource.BACKENDS_FILE)).isFalse();
  }

  /** Every source at once: A seen by all four, B by two coordinators, C in the file and the scan, D scan only. */
  private static List<RpcSighting> everySource() {
    List<RpcSighting> sightings = new ArrayList<>();
    sightings.addAll(RpcSighting.of(RpcSource.CACHED_STATE, List.of(A, new HostPort("127.0.0.10", 50052))));
    sightings.addAll(RpcSighting.of(RpcSource.SCAN, List.of(A, C, D)));
    sightings.addAll(RpcSighting.usedBy(List.of(FIRST, SECOND)));
    sightings.addAll(RpcSighting.of(RpcSource.BACKENDS_FILE, List.of(C, A)));
    return sightings;
  }

  private static Optional<HostPort> api(int port) {
    return Optional.of(new HostPort("127.0.0.1", port));
  }

  private static FoundEndpoint endpoint(String address, int port, EndpointStatus status, BackendKind kind) {
    return new FoundEndpoint(address, port, PortKind.AUTO, status, kind, false, "", List.of(), List.of(), 0, "");
  }
}
