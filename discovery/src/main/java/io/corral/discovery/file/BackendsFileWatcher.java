package io.corral.discovery.file;

import io.corral.cluster.backends.BackendOrigin;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.discovery.BackendSpec;
import io.corral.discovery.probe.BackendMonitor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.FileProps;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this member's watched backends in step with a {@link BackendsFile}: checks the file's modification time
 * and size on an interval and, when they change, reads it again. Backends added to the file are watched (probed
 * and shared cluster-wide); backends removed from it stop being watched and leave the shared table. A file that
 * does not parse changes nothing: the previous set stays and the error is logged with its line. Backends that
 * are also configured elsewhere (flags, env, config file) are never touched by the file.
 *
 * <p>Runs on the Vert.x context that calls {@link #start()}; file I/O goes through Vert.x's async file system.
 */
public final class BackendsFileWatcher {

  private static final Logger log = LoggerFactory.getLogger(BackendsFileWatcher.class);

  private final Vertx vertx;
  private final String path;
  private final BackendMonitor monitor;
  private final BackendRegistry registry;
  private final Duration interval;
  /** What the file currently contributes, by backend id. */
  private final Map<String, BackendSpec> fromFile = new LinkedHashMap<>();
  private long lastModified = -1;
  private long lastSize = -1;
  private long timerId = -1;
  private boolean checking;

  public BackendsFileWatcher(Vertx vertx, String path, BackendMonitor monitor, BackendRegistry registry,
      Duration interval) {
    this.vertx = vertx;
    this.path = path;
    this.monitor = monitor;
    this.registry = registry;
    this.interval = interval;
  }

  /** Reads the file once (the future completes when its backends are probed), then re-checks on the interval. */
  public Future<Void> start() {
    Future<Void> first = check();
    timerId = vertx.setPeriodic(interval.toMillis(), id -> check());
    return first;
  }

  public void stop() {
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  private Future<Void> check() {
    if (checking) {
      return Future.succeededFuture();
    }
    checking = true;
    return vertx.fileSystem().props(path)
        .compose(this::readIfChanged)
        .recover(err -> {
          log.warn("event=backends_file_unreadable path={} error=\"{}\" (keeping {} backends)", path,
              err.getMessage(), fromFile.size());
          return Future.succeededFuture();
        })
        .onComplete(v -> checking = false);
  }

  private Future<Void> readIfChanged(FileProps props) {
    if (props.lastModifiedTime() == lastModified && props.size() == lastSize) {
      return Future.succeededFuture();
    }
    return vertx.fileSystem().readFile(path).compose(buffer -> {
      lastModified = props.lastModifiedTime();
      lastSize = props.size();
      List<BackendSpec> specs;
      try {
        specs = BackendsFile.parse(buffer.toString(StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        log.warn("event=backends_file_rejected path={} error=\"{}\" (nothing changed; keeping {} backends)", path,
            e.getMessage(), fromFile.size());
        return Future.succeededFuture();
      }
      return apply(specs);
    });
  }

  private Future<Void> apply(List<BackendSpec> specs) {
    Map<String, BackendSpec> next = new LinkedHashMap<>();
    specs.forEach(s -> next.put(s.id().value(), s));
    List<String> gone = fromFile.keySet().stream().filter(id -> !next.containsKey(id)).toList();
    for (String id : gone) {
      fromFile.remove(id);
      monitor.unwatch(id);
      registry.remove(id);
    }
    List<Future<Void>> probes = new ArrayList<>();
    int added = 0;
    for (BackendSpec spec : next.values()) {
      String id = spec.id().value();
      if (fromFile.containsKey(id) || monitor.watches(id)) {
        continue;
      }
      fromFile.put(id, spec);
      probes.add(monitor.watch(spec.withOrigin(BackendOrigin.FILE)));
      added++;
    }
    if (added > 0 || !gone.isEmpty()) {
      log.info("event=backends_file_applied path={} added={} removed={} listed={}", path, added, gone.size(),
          next.size());
    }
    return Future.join(probes).mapEmpty();
  }
}
