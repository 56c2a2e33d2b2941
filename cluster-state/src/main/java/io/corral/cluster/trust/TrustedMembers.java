package io.corral.cluster.trust;

import com.hazelcast.config.Config;
import com.hazelcast.config.SocketInterceptorConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceFactory;
import com.hazelcast.instance.impl.HazelcastInstanceImpl;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.instance.impl.NodeExtension;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Optional;

/**
 * Starts Hazelcast members that let only holders of the cluster secret in. With a secret, the member endpoint gets
 * corral's handshake ({@link TrustedNodeExtension}); the member refuses to run if the hook did not take (a Hazelcast
 * upgrade that moved it must not leave a cluster silently open). Without one, a plain member.
 */
public final class TrustedMembers {

  private TrustedMembers() {}

  /**
   * Starts and joins. Blocking. The config must use advanced networking with a member endpoint only (no client
   * endpoint): see {@code MemberConfigFactory}.
   *
   * @throws IllegalStateException when the trust hook is not in place
   */
  public static HazelcastInstance start(Config config, ClusterTrust trust, InstantSource clock) {
    if (!trust.secured() && trust.memberAllow().isEmpty()) {
      return Hazelcast.newHazelcastInstance(config);
    }
    config.getAdvancedNetworkConfig().getEndpointConfigs().values()
        .forEach(e -> e.setSocketInterceptorConfig(new SocketInterceptorConfig().setEnabled(true)));
    // without a secret the interceptor checks the allow-list only
    MemberHandshake handshake = trust.secured() ? new MemberHandshake(trust.secret(), new SecureRandom()) : null;
    RefusalLog refusals = new RefusalLog(clock);
    HazelcastInstance hz = HazelcastInstanceFactory.newHazelcastInstance(config, config.getInstanceName(),
        new TrustedNodeExtension.Context((sweep, advertised) -> new HandshakeInterceptor(handshake,
            trust.memberAllow(), refusals, sweep, advertised)));
    if (extensionOf(hz).filter(TrustedNodeExtension::interceptorEnabled).isEmpty()) {
      hz.getLifecycleService().terminate();
      throw new IllegalStateException("corral's member handshake could not be installed in this Hazelcast version; "
          + "refusing to run a cluster anyone could join (see docs/decisions/0007)");
    }
    return hz;
  }

  /** The trusted extension of a running member, if it has one. */
  static Optional<TrustedNodeExtension> extensionOf(HazelcastInstance hz) {
    HazelcastInstanceImpl impl = hz instanceof HazelcastInstanceProxy proxy ? proxy.getOriginal()
        : hz instanceof HazelcastInstanceImpl i ? i : null;
    if (impl == null) {
      return Optional.empty();
    }
    NodeExtension ext = impl.node.getNodeExtension();
    return ext instanceof TrustedNodeExtension t ? Optional.of(t) : Optional.empty();
  }

  /** Member connections this member refused or gave up (inbound and outbound); 0 without a secret. */
  public static long refusedConnections(HazelcastInstance hz) {
    return extensionOf(hz).map(t -> t.interceptor().refusedCount()).orElse(0L);
  }

  /** Whether this member checks the cluster secret on every member connection. */
  public static boolean checksSecret(HazelcastInstance hz) {
    return extensionOf(hz).filter(t -> t.interceptorEnabled() && t.interceptor().checksSecret()).isPresent();
  }
}
