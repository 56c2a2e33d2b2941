package io.corral.discovery.rpc;

import io.corral.cluster.HostPort;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A running llama-server on this host: the coordinator that drives rpc-servers through its {@code --rpc} list.
 *
 * @param pid        its process id on this host
 * @param api        where its own HTTP API answers from this host ({@code --host}/{@code --port}, default
 *                   127.0.0.1:8080; a wildcard bind is given as the loopback address). Empty when it cannot be
 *                   told from the command line: {@code --port 0} (llama-server then binds a random port) or a
 *                   unix socket ({@code --host *.sock}). The coordinator is still reported, because the
 *                   rpc-servers it uses must be left alone either way.
 * @param rpcServers the rpc-servers named by its {@code --rpc} arguments, placeholders removed, in the order
 *                   given, each once
 */
public record Coordinator(long pid, Optional<HostPort> api, List<HostPort> rpcServers) {

  public Coordinator {
    if (pid < 1) {
      throw new IllegalArgumentException("pid must be positive, got " + pid);
    }
    Objects.requireNonNull(api, "api");
    rpcServers = List.copyOf(rpcServers);
  }
}
