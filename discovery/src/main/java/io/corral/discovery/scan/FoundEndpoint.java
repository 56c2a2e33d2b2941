package io.corral.discovery.scan;

import io.corral.cluster.backends.BackendId;
import io.corral.cluster.backends.BackendKind;
import io.corral.discovery.fingerprint.Fingerprint;
import java.util.List;
import java.util.Objects;

/**
 * One open port the scan found and what it concluded about it.
 *
 * @param address       the host, dotted quad
 * @param port          the TCP port
 * @param portKind      what the port was expected to serve
 * @param status        what was concluded
 * @param kind          the backend kind found ({@link BackendKind#RPC_SERVER} for a presumed rpc-server,
 *                      {@link BackendKind#UNKNOWN} for a corral member or an unknown endpoint)
 * @param ready         whether a backend can serve now (a llama-server loading its model cannot yet)
 * @param version       the server's version when it reports one, else empty
 * @param models        the model names it reports, normalized
 * @param loadedModels  the models it has loaded
 * @param reportedSlots the slots it reports itself (llama-server), else 0
 * @param detail        why it is not a ready backend (or which member it is), else empty
 */
public record FoundEndpoint(String address, int port, PortKind portKind, EndpointStatus status, BackendKind kind,
    boolean ready, String version, List<String> models, List<String> loadedModels, int reportedSlots,
    String detail) {

  public FoundEndpoint {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(portKind, "portKind");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(kind, "kind");
    version = version == null ? "" : version;
    models = List.copyOf(models);
    loadedModels = List.copyOf(loadedModels);
    detail = detail == null ? "" : detail;
  }

  /** The id a backend found here would be registered under. */
  public BackendId backendId() {
    return BackendId.of("http://" + address + ":" + port);
  }

  static FoundEndpoint presumedRpcServer(ScanTarget target) {
    return new FoundEndpoint(target.address(), target.port().port(), target.port().kind(),
        EndpointStatus.PRESUMED_RPC_SERVER, BackendKind.RPC_SERVER, false, "", List.of(), List.of(), 0,
        "tcp open, presumed rpc-server (nothing sent)");
  }

  static FoundEndpoint unknown(ScanTarget target, String why) {
    return new FoundEndpoint(target.address(), target.port().port(), target.port().kind(), EndpointStatus.UNKNOWN,
        BackendKind.UNKNOWN, false, "", List.of(), List.of(), 0, why);
  }

  /** What a fingerprint of an open port says, trusting only what the endpoint answered. */
  static FoundEndpoint fingerprinted(ScanTarget target, Fingerprint fp) {
    if (fp.corralMember()) {
      return new FoundEndpoint(target.address(), target.port().port(), target.port().kind(),
          EndpointStatus.CORRAL_MEMBER, BackendKind.UNKNOWN, false, "", List.of(), List.of(), 0, fp.error());
    }
    if (fp.kind() == BackendKind.UNKNOWN || fp.kind() == BackendKind.RPC_SERVER || !fp.reachable()) {
      return unknown(target, fp.reachable() ? fp.error()
          : "accepted a TCP connection but answered no HTTP request: " + fp.error());
    }
    return new FoundEndpoint(target.address(), target.port().port(), target.port().kind(), EndpointStatus.BACKEND,
        fp.kind(), fp.ready(), fp.version(), fp.models(), fp.loadedModels(), fp.reportedSlots(), fp.error());
  }
}
