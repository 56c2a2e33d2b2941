package io.corral.cluster.ledger;

import java.util.List;
import java.util.Map;

/**
 * A read-only picture of one pool's ledger, for {@code /api/cluster}, metrics and tests.
 *
 * @param backends       every backend the ledger knows, with its slots and leases
 * @param queueDepth     tickets waiting
 * @param depthByPriority waiting tickets per priority (1-10)
 * @param depthByModel   waiting tickets per model
 * @param leasesByMember leases held per member
 * @param nextSeq        the next arrival sequence number (how many requests the pool has seen)
 * @param incarnation    which life of the ledger entry this is ("" when there is none yet)
 * @param rebuilding     the entry was made again after it was lost and grants nothing until members re-assert
 */
public record LedgerSnapshot(List<BackendLoad> backends, int queueDepth, Map<Integer, Integer> depthByPriority,
    Map<String, Integer> depthByModel, Map<String, Integer> leasesByMember, long nextSeq, String incarnation,
    boolean rebuilding) {

  public LedgerSnapshot {
    backends = List.copyOf(backends);
    depthByPriority = Map.copyOf(depthByPriority);
    depthByModel = Map.copyOf(depthByModel);
    leasesByMember = Map.copyOf(leasesByMember);
  }

  /**
   * One backend's capacity and use across the whole cluster.
   *
   * @param modelSlots      how many slots one model may hold at once (0: no per-model limit)
   * @param inFlightByModel leases per model (a re-asserted lease, whose model the ledger does not know, is not in it)
   * @param oldestLeaseSince cluster time (epoch millis) its longest-running lease was granted; 0 when it has none
   *                        or only leases whose grant time is unknown (granted before every member spoke
   *                        {@code WireVersion.V2_LEASE_AGE})
   */
  public record BackendLoad(String backendId, int slots, boolean available, int inFlight, int modelSlots,
      Map<String, Integer> inFlightByModel, long oldestLeaseSince) {

    public BackendLoad(String backendId, int slots, boolean available, int inFlight) {
      this(backendId, slots, available, inFlight, 0, Map.of(), 0);
    }

    public BackendLoad {
      inFlightByModel = Map.copyOf(inFlightByModel);
    }
  }

  public static LedgerSnapshot empty() {
    return new LedgerSnapshot(List.of(), 0, Map.of(), Map.of(), Map.of(), 0, "", false);
  }

  public int inFlight(String backendId) {
    return backends.stream().filter(b -> b.backendId().equals(backendId)).mapToInt(BackendLoad::inFlight)
        .findFirst().orElse(0);
  }

  /** When the backend's longest-running lease was granted (cluster epoch millis); 0 when none or unknown. */
  public long oldestLeaseSince(String backendId) {
    return backends.stream().filter(b -> b.backendId().equals(backendId)).mapToLong(BackendLoad::oldestLeaseSince)
        .findFirst().orElse(0);
  }

  /** A backend's leases per model (empty when the ledger does not know it). */
  public Map<String, Integer> inFlightByModel(String backendId) {
    return backends.stream().filter(b -> b.backendId().equals(backendId)).map(BackendLoad::inFlightByModel)
        .findFirst().orElse(Map.of());
  }
}
