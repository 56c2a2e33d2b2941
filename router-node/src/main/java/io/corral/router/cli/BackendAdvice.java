package io.corral.router.cli;

import io.corral.cluster.backends.BackendId;
import io.corral.cluster.backends.BackendKind;
import io.corral.discovery.fingerprint.Fingerprint;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns what the cluster knows about a backend and what probing it from the operator's machine found into the
 * next thing to try. The two views disagree in useful ways: a backend the members see down but this machine
 * reaches points at the members' network path, not at the server.
 */
final class BackendAdvice {

  /** The verdict for one backend, and what to do about it. */
  record Verdict(boolean healthy, List<String> fixes) {
    Verdict {
      fixes = List.copyOf(fixes);
    }
  }

  private BackendAdvice() {
  }

  /**
   * @param known  the cluster's view of the backend, empty when no member knows it
   * @param here   the probe from this machine, empty when it was not probed (an rpc-server)
   */
  static Verdict advise(BackendId id, Optional<ClusterBackend> known, Optional<Fingerprint> here) {
    List<String> fixes = new ArrayList<>();
    boolean healthy = true;
    if (known.isEmpty()) {
      healthy = false;
      fixes.add("no member knows this backend. Add it: --backend " + id.value() + " on 'corral start', a line in "
          + "the backends file, or POST /admin/backends {\"url\": \"" + id.value() + "\"}.");
    } else {
      ClusterBackend b = known.get();
      switch (b.health()) {
        case "up" -> {
          if (b.models().isEmpty() && b.kind().equals(BackendKind.OLLAMA.wireName())) {
            fixes.add("it serves no models, so nothing is routed to it. Fix: 'ollama pull <model>' on that host.");
          }
        }
        case "draining" -> fixes.add("an operator drained it: it finishes running requests and takes no new ones. "
            + "Fix: 'corral backend enable " + shortId(id) + "' when it should serve again.");
        case "circuit_open" -> {
          healthy = false;
          fixes.add("its circuit breaker is open after repeated failures"
              + (b.circuitReason().isBlank() ? "" : " (" + b.circuitReason() + ")")
              + "; members send it nothing until the cool-down ends, then trial requests close or reopen it. "
              + "Check the backend's own log for the errors.");
        }
        case "down" -> healthy = false;
        default -> {
          healthy = false;
          fixes.add("no member has probed it yet; members probe every --probe-interval (default 5s). Ask again "
              + "in a few seconds.");
        }
      }
    }
    if (here.isPresent()) {
      Fingerprint f = here.get();
      boolean fine = f.reachable() && f.ready() && !f.corralMember() && f.kind() != BackendKind.UNKNOWN;
      healthy &= fine;
      if (!fine) {
        fixes.add(fromProbe(id, f));
      }
      if (known.isPresent()) {
        ClusterBackend b = known.get();
        if (fine && b.health().equals("down")) {
          fixes.add("it answers from this machine, but the members saw it down"
              + (b.observedBy().isBlank() ? "" : " (last seen by " + b.observedBy() + ")")
              + ". Check the path from the members' hosts (firewall, routes, the address it listens on), or wait "
              + "for the next probe if it just came back.");
        }
        if (fine && !f.kind().wireName().equals(b.kind()) && !b.kind().equals(BackendKind.UNKNOWN.wireName())) {
          fixes.add("the cluster treats it as " + b.kind() + " but it answers as " + f.kind().wireName()
              + ". Fix: set kind=" + f.kind().wireName() + " in its --backend entry, or drop kind= to detect it.");
        }
        if (!f.reachable() && b.serving()) {
          fixes.add("the members reach it but this machine does not: the problem is the network path from here, "
              + "not the backend.");
        }
      }
    } else if (known.isPresent() && known.get().health().equals("down")) {
      fixes.add("the members cannot reach it: " + orNothing(known.get().lastError()));
    }
    return new Verdict(healthy, fixes);
  }

  private static String fromProbe(BackendId id, Fingerprint f) {
    String error = f.error().toLowerCase(Locale.ROOT);
    if (f.corralMember()) {
      return "this address is a corral member, not a backend. Fix: point --backend at the Ollama or llama-server "
          + "itself.";
    }
    if (!f.reachable()) {
      if (error.contains("refused")) {
        return "nothing listens on " + id.host() + ":" + id.port() + ". Is the server running? Ollama listens on "
            + "127.0.0.1 only unless OLLAMA_HOST=0.0.0.0; llama-server needs --host 0.0.0.0 to serve other hosts.";
      }
      if (error.contains("timeout") || error.contains("timed out")) {
        return "no answer in time: a firewall dropping packets, a wrong address, or a server too busy to answer. "
            + "Try: curl -v " + id.value() + "/ from this host.";
      }
      if (error.contains("resolve") || error.contains("unknownhost") || error.contains("unknown host")) {
        return "the host name " + id.host() + " does not resolve here. Fix: use its IP address or fix DNS.";
      }
      return "it cannot be reached: " + orNothing(f.error()) + ".";
    }
    if (f.kind() == BackendKind.UNKNOWN) {
      return "it answers HTTP but not as Ollama (/api/version), llama-server (/props) or an OpenAI server "
          + "(/v1/models). Is this the right port?";
    }
    if (f.kind() == BackendKind.LLAMA_SERVER) {
      return "llama-server answers but is not ready (" + orNothing(f.error()) + "): it is usually still loading "
          + "its model. Wait, or read its log.";
    }
    return f.kind().wireName() + " answers but is not ready: " + orNothing(f.error()) + ".";
  }

  /** The form the admin API and the CLI accept: {@code host:port} for http, the URL otherwise. */
  static String shortId(BackendId id) {
    return id.ssl() ? id.value() : id.value().substring("http://".length());
  }

  private static String orNothing(String error) {
    return error == null || error.isBlank() ? "no reason given" : error;
  }
}
