package io.corral.discovery.scan;

import io.corral.cluster.HostPort;
import io.corral.discovery.fingerprint.BackendFingerprinter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds what listens on IPv4 ranges: a bare TCP connect to every host:port, then, on open HTTP ports, a
 * fingerprint ({@link BackendFingerprinter#identify}, the port's expected kind asked first). rpc-server ports are
 * connected to and closed at once, with no byte sent: an rpc-server serves one client at a time and has died
 * when a waiting client gave up, so it is presumed from the open port, never asked.
 *
 * <p>Contract: a scan never fails because of what the network does (refused, timed out, silent, garbage); every
 * open port ends in the report as exactly one {@link FoundEndpoint}, and a corral member is reported as such,
 * never as a backend. Thread-safe; scans may overlap, each with its own state and {@link NetClient}.
 *
 * <p>Implementation notes: {@code concurrency} workers pull host:port pairs from one lazy cursor, so at most
 * that many endpoints are in work at once, each holding one socket at a time (the bare connection is closed
 * before fingerprinting opens HTTP ones). Everything a scan mutates is touched only on the Vert.x context that
 * started it (the caller's, or a new event-loop context when called from outside Vert.x): each result hops back
 * to it, whichever thread completed it. Nothing blocks. The probe timeout bounds one endpoint's whole
 * fingerprint; build the {@link BackendFingerprinter} with a request timeout no longer than it, or a silent
 * endpoint's request outlives its slot.
 */
public final class NetworkScanner {

  private static final Logger log = LoggerFactory.getLogger(NetworkScanner.class);

  private final Vertx vertx;
  private final BackendFingerprinter fingerprinter;
  private final ScannerOptions options;

  public NetworkScanner(Vertx vertx, BackendFingerprinter fingerprinter, ScannerOptions options) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.fingerprinter = Objects.requireNonNull(fingerprinter, "fingerprinter");
    this.options = Objects.requireNonNull(options, "options");
  }

  /** Scans every host of {@code ranges} on every one of {@code ports}. */
  public Future<ScanReport> scan(List<ScanRange> ranges, List<ScanPort> ports) {
    return scan(ranges, ports, Set.of());
  }

  /**
   * Scans every host of {@code ranges} on every one of {@code ports}, except the pairs in {@code skip}, which
   * are never connected to (for example rpc-servers a known coordinator is using, or backends already
   * registered). Hosts are written as dotted quads, as in {@link FoundEndpoint#address()}.
   */
  public Future<ScanReport> scan(List<ScanRange> ranges, List<ScanPort> ports, Set<HostPort> skip) {
    ScanTargets targets = new ScanTargets(ranges, ports, skip);
    Context context = vertx.getOrCreateContext();
    Promise<ScanReport> report = Promise.promise();
    context.runOnContext(v -> {
      try {
        new Run(context, targets).start(ranges, ports).onComplete(report);
      } catch (RuntimeException e) {
        report.fail(e);
      }
    });
    return report.future();
  }

  /** One scan's state; touched only on {@link #context}. */
  private final class Run {

    private final Context context;
    private final ScanTargets targets;
    private final NetClient client;
    private final long startedNanos = System.nanoTime();
    private final TreeMap<Long, FoundEndpoint> found = new TreeMap<>();
    private long tried;
    private long closed;

    Run(Context context, ScanTargets targets) {
      this.context = context;
      this.targets = targets;
      this.client = vertx.createNetClient(new NetClientOptions()
          .setConnectTimeout(Math.toIntExact(options.connectTimeout().toMillis())));
    }

    Future<ScanReport> start(List<ScanRange> ranges, List<ScanPort> ports) {
      log.info("event=scan_started ranges={} ports={} pairs_at_most={} concurrency={}", ranges, ports,
          targets.atMost(), options.concurrency());
      List<Future<Void>> workers = new ArrayList<>();
      for (long i = 0; i < Math.min(options.concurrency(), targets.atMost()); i++) {
        Promise<Void> finished = Promise.promise();
        work(finished);
        workers.add(finished.future());
      }
      return Future.all(workers).onComplete(done -> client.close()).map(done -> report());
    }

    private void work(Promise<Void> finished) {
      ScanTarget target = targets.next();
      if (target == null) {
        finished.complete();
        return;
      }
      // Back onto the scan's context before touching its state: a timeout may complete on another thread. The
      // hop also means the next pair starts from a fresh stack, however many pairs one worker goes through.
      probe(target).onComplete(outcome -> context.runOnContext(v -> {
        record(target, outcome.succeeded() ? outcome.result() : Optional.empty());
        work(finished);
      }));
    }

    /** Empty when the port is closed; otherwise what the open port turned out to be. */
    private Future<Optional<FoundEndpoint>> probe(ScanTarget target) {
      return client.connect(target.port().port(), target.address()).<Optional<FoundEndpoint>>transform(connected -> {
        if (connected.failed()) {
          log.debug("event=scan_closed target={} reason=\"{}\"", target, connected.cause().getMessage());
          return Future.succeededFuture(Optional.empty());
        }
        // Closed before anything is written: an rpc-server gets nothing at all, an HTTP server gets the
        // fingerprinter's own connections.
        return connected.result().close().transform(ignored -> identify(target)).map(Optional::of);
      });
    }

    private Future<FoundEndpoint> identify(ScanTarget target) {
      return target.port().kind().speaksHttp()
          ? fingerprint(target)
          : Future.succeededFuture(FoundEndpoint.presumedRpcServer(target));
    }

    private Future<FoundEndpoint> fingerprint(ScanTarget target) {
      long limitMillis = options.probeTimeout().toMillis();
      return fingerprinter.identify(target.backendId(), target.port().kind().expected())
          .timeout(limitMillis, TimeUnit.MILLISECONDS)
          .map(fingerprint -> FoundEndpoint.fingerprinted(target, fingerprint))
          .otherwise(err -> FoundEndpoint.unknown(target,
              "accepted a TCP connection but gave no complete HTTP answer within " + limitMillis + " ms"));
    }

    private void record(ScanTarget target, Optional<FoundEndpoint> outcome) {
      tried++;
      if (outcome.isEmpty()) {
        closed++;
        return;
      }
      FoundEndpoint e = outcome.get();
      found.put(target.order(), e);
      log.info("event=scan_found address={} port={} status={} kind={} ready={} models={} detail=\"{}\"",
          e.address(), e.port(), e.status(), e.kind().wireName(), e.ready(), e.models(), e.detail());
    }

    private ScanReport report() {
      ScanReport report = new ScanReport(List.copyOf(found.values()), targets.hosts(), tried, found.size(), closed,
          targets.skipped(), Duration.ofNanos(System.nanoTime() - startedNanos));
      log.info("event=scan_finished hosts={} tried={} open={} closed={} skipped={} backends={} elapsed_ms={}",
          report.hosts(), report.portsTried(), report.open(), report.closed(), report.skipped(),
          report.backends().size(), report.elapsed().toMillis());
      return report;
    }
  }
}
