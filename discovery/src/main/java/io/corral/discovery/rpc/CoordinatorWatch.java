package io.corral.discovery.rpc;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.corral.cluster.HostPort;
import io.corral.cluster.wire.SharedEntries;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every member looks for llama-server coordinators on its own host on an interval and shares what it sees
 * ({@value #MAP_NAME}, one entry per member and pid, expiring after three intervals so a stopped coordinator or a
 * dead member drops out by itself). The cluster's view of which rpc-servers are in use, and so must never be
 * touched, is the union of these entries.
 *
 * <p>Detection reads {@code /proc} on a worker thread; nothing here blocks an event loop.
 */
public final class CoordinatorWatch {

  public static final String MAP_NAME = "corral.rpc.coordinators";

  private static final Logger log = LoggerFactory.getLogger(CoordinatorWatch.class);

  /**
   * One coordinator one member saw; arrays for Hazelcast's zero-config Compact serialization.
   *
   * @param member     API URL of the member on whose host it runs
   * @param api        its own HTTP address, {@code host:port}, or empty when its command line does not tell
   * @param rpcServers the {@code host:port} of each rpc-server it uses
   */
  public record Seen(String member, long pid, String api, String[] rpcServers, long seenAtMillis) {

    /** Back to a {@link Coordinator}. */
    public Coordinator coordinator() {
      List<HostPort> servers = new ArrayList<>();
      for (String s : rpcServers) {
        servers.add(HostPort.parse(s, 50052));
      }
      return new Coordinator(pid, api.isEmpty() ? Optional.empty() : Optional.of(HostPort.parse(api, 8080)),
          servers);
    }
  }

  private final Vertx vertx;
  private final CoordinatorDetector detector;
  private final IMap<String, Seen> shared;
  private final SharedEntries<Seen> entries = new SharedEntries<>(MAP_NAME, Seen.class);
  private final String member;
  private final Duration interval;
  private final InstantSource clock;
  private long timerId = -1;
  /**
   * The keys this member shared at its last look. Looks may overlap (the timer, the leader's look before a scan);
   * the worst an overlap does is delete a stale key one look later.
   */
  private volatile Set<String> sharedKeys = Set.of();

  public CoordinatorWatch(Vertx vertx, CoordinatorDetector detector, HazelcastInstance hazelcast, String member,
      Duration interval, InstantSource clock) {
    this.vertx = vertx;
    this.detector = detector;
    this.shared = hazelcast.getMap(MAP_NAME);
    this.member = member;
    this.interval = interval;
    this.clock = clock;
  }

  /** Looks once (the future completes when what it found is shared), then on the interval. */
  public Future<Void> start() {
    Future<Void> first = detectAndShare();
    timerId = vertx.setPeriodic(interval.toMillis(), id -> detectAndShare());
    return first;
  }

  public void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  private Future<Void> detectAndShare() {
    return detector.detect(vertx).compose(found -> {
      long now = clock.millis();
      List<Future<Void>> writes = new ArrayList<>();
      Set<String> keys = new HashSet<>();
      for (Coordinator c : found) {
        Seen seen = new Seen(member, c.pid(), c.api().map(HostPort::toString).orElse(""),
            c.rpcServers().stream().map(HostPort::toString).toArray(String[]::new), now);
        String key = member + "#" + c.pid();
        keys.add(key);
        writes.add(Future.fromCompletionStage(shared.setAsync(key, seen, interval.toMillis() * 3,
            TimeUnit.MILLISECONDS)));
      }
      // a coordinator that stopped frees its rpc-servers at once, not when its entry expires
      for (String gone : sharedKeys) {
        if (!keys.contains(gone)) {
          writes.add(Future.fromCompletionStage(shared.deleteAsync(gone)).mapEmpty());
        }
      }
      sharedKeys = keys;
      if (!found.isEmpty()) {
        log.debug("event=coordinators_seen count={}", found.size());
      }
      return Future.join(writes).<Void>mapEmpty();
    }).otherwise(err -> {
      log.warn("event=coordinator_detection_failed error={}", err.toString());
      return null;
    });
  }

  /** Every coordinator any member saw lately. Reads the shared map on a worker thread. */
  public Future<List<Seen>> all() {
    return vertx.executeBlocking(() -> {
      List<Seen> list = new ArrayList<>(entries.loadAll(shared).values());
      list.sort((a, b) -> a.member().equals(b.member()) ? Long.compare(a.pid(), b.pid())
          : a.member().compareTo(b.member()));
      return list;
    }, false);
  }

  /**
   * Like {@link #all()}, but looks at this host again first: the leader asks this right before it may connect
   * to an rpc-server, so a coordinator started since the last look on its own host is never missed.
   */
  public Future<List<Seen>> allAfterLookingAgain() {
    return detectAndShare().compose(v -> all());
  }

  /** The rpc-servers in use by any coordinator in the cluster, as sightings. */
  public static List<RpcSighting> sightings(List<Seen> seen) {
    return RpcSighting.usedBy(seen.stream().map(Seen::coordinator).toList());
  }
}
