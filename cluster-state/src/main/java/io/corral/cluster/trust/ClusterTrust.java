package io.corral.cluster.trust;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.Optional;

/**
 * Who a member lets into its cluster: holders of the cluster secret ({@link ClusterSecret}), optionally only from
 * the allowed address ranges. Without a secret (loopback-only clusters, or an explicit {@code --insecure-cluster})
 * anyone who reaches the Hazelcast port and knows the cluster name can join.
 *
 * @param secret        the cluster secret; null: none
 * @param memberAllow   where members may connect from and to (empty: anywhere); checked before the handshake
 * @param insecureOk    the operator accepted a cluster without a secret on a non-loopback interface
 */
public record ClusterTrust(ClusterSecret secret, AddressRanges memberAllow, boolean insecureOk) {

  public ClusterTrust {
    Objects.requireNonNull(memberAllow, "memberAllow");
  }

  /** No secret, no allow-list: only fit for a cluster on loopback. */
  public static ClusterTrust none() {
    return new ClusterTrust(null, AddressRanges.none(), false);
  }

  public static ClusterTrust of(ClusterSecret secret) {
    return new ClusterTrust(Objects.requireNonNull(secret, "secret"), AddressRanges.none(), false);
  }

  public boolean secured() {
    return secret != null;
  }

  public Optional<ClusterSecret> secretIfAny() {
    return Optional.ofNullable(secret);
  }

  /** The Hazelcast cluster name: derived from the secret when there is one. */
  public String clusterName(String base) {
    return secret == null ? base : secret.clusterName(base);
  }

  /**
   * Refuses a configuration that would open the cluster to the network: a member whose Hazelcast interface is not
   * loopback (or that looks for members by multicast) needs a secret, unless the operator said
   * {@code --insecure-cluster}.
   *
   * @throws IllegalStateException with one line that says how to fix it
   */
  public void checkExposure(String bindHost, boolean multicast) {
    if (multicast && secured()) {
      // Hazelcast reads multicast join messages (and deserializes them) before any connection, so no handshake
      // can guard them
      throw new IllegalStateException("--multicast cannot be used with a cluster secret: multicast join messages "
          + "are read before any member proves the secret; list the members with --join instead");
    }
    if (secured() || insecureOk) {
      return;
    }
    if (multicast || !isLoopback(bindHost)) {
      throw new IllegalStateException("the cluster interface " + (multicast ? "(multicast)" : bindHost)
          + " is not loopback and no cluster secret is set, so anyone on that network could join the cluster: "
          + "make one with 'corral secret new --out cluster.secret', give every member --cluster-secret-file "
          + "cluster.secret (or CORRAL_CLUSTER_SECRET), or accept the risk with --insecure-cluster");
    }
  }

  static boolean isLoopback(String host) {
    try {
      // usually a literal; a name is resolved once, at start, off any event loop
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "ClusterTrust[secured=" + secured() + ", memberAllow=" + memberAllow + ", insecureOk=" + insecureOk + "]";
  }
}
