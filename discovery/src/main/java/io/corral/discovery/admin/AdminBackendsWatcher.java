package io.corral.discovery.admin;

import io.corral.cluster.backends.BackendOrigin;
import io.corral.cluster.backends.BackendOverrides;
import io.corral.cluster.backends.BackendRegistry;
import io.corral.discovery.BackendSpec;
import io.corral.discovery.probe.BackendMonitor;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes this member watch the backends operators added through the admin API, and re-probe a backend at once
 * when it is drained or enabled so its new state is published without waiting for the next probe round. Every
 * member watches every admin-added backend: a backend never depends on one member staying alive, and the
 * monitor publishes only changes, so several watchers do not multiply writes.
 *
 * <p>Listener callbacks arrive on Hazelcast event threads and are moved to the Vert.x context of {@link #start()}.
 */
public final class AdminBackendsWatcher {

  private static final Logger log = LoggerFactory.getLogger(AdminBackendsWatcher.class);

  private final Vertx vertx;
  private final BackendOverrides overrides;
  private final BackendMonitor monitor;
  private final BackendRegistry registry;
  /** Ids this watcher made the monitor watch (a configured backend is never among them). */
  private final Set<String> mine = ConcurrentHashMap.newKeySet();

  public AdminBackendsWatcher(Vertx vertx, BackendOverrides overrides, BackendMonitor monitor,
      BackendRegistry registry) {
    this.vertx = vertx;
    this.overrides = overrides;
    this.monitor = monitor;
    this.registry = registry;
  }

  public void start() {
    Context ctx = vertx.getOrCreateContext();
    overrides.onAdded(id -> ctx.runOnContext(v -> watch(id)));
    overrides.onRemoved(id -> ctx.runOnContext(v -> {
      if (mine.remove(id)) {
        monitor.unwatch(id);
      }
      // every member removes it too: a probe of its own that finished after the removal may have published it
      // again (a remove that finds nothing changes nothing)
      if (registry.get(id).filter(b -> b.origin() == BackendOrigin.ADMIN).isPresent()) {
        registry.remove(id);
      }
    }));
    overrides.onDrainChanged(id -> ctx.runOnContext(v -> monitor.refresh(id)));
    ctx.runOnContext(v -> overrides.allAdded().keySet().forEach(this::watch));
  }

  private void watch(String id) {
    overrides.added(id).ifPresent(text -> {
      try {
        BackendSpec spec = BackendSpec.parse(text);
        if (!monitor.watches(id)) {
          mine.add(id);
          monitor.watch(spec.withOrigin(BackendOrigin.ADMIN));
        }
      } catch (IllegalArgumentException e) {
        log.warn("event=admin_backend_unusable backend={} error=\"{}\"", id, e.getMessage());
      }
    });
  }
}
