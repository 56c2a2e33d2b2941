package io.corral.cluster.trust;

import com.hazelcast.cluster.Address;
import com.hazelcast.config.EndpointConfig;
import com.hazelcast.instance.EndpointQualifier;
import com.hazelcast.instance.impl.DefaultNodeContext;
import com.hazelcast.instance.impl.DefaultNodeExtension;
import com.hazelcast.instance.impl.Node;
import com.hazelcast.instance.impl.NodeExtension;
import com.hazelcast.internal.networking.Channel;
import com.hazelcast.internal.server.ServerConnectionManager;
import com.hazelcast.nio.MemberSocketInterceptor;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hazelcast's community node extension with one change: member connections go through corral's
 * {@link HandshakeInterceptor}. The community edition's own hook for a socket interceptor only logs that it is an
 * Enterprise feature; this class is the only place corral reaches into Hazelcast internals (decision 0007), and
 * {@code TrustHookGuardTest} fails loudly if an upgrade moves them.
 *
 * <p>Hazelcast keeps each accepted channel in a set until the connection is established; a channel refused by the
 * interceptor stays there until the member stops (one small object per refused connection). Before each inbound
 * handshake the closed ones are dropped, so a flood of refused connections costs no memory.
 */
public final class TrustedNodeExtension extends DefaultNodeExtension {

  private static final Logger log = LoggerFactory.getLogger(TrustedNodeExtension.class);

  private final HandshakeInterceptor interceptor;
  private volatile Set<Channel> acceptedChannels;
  private volatile boolean sweepUnavailable;

  TrustedNodeExtension(Node node, HandshakeInterceptorFactory factory) {
    super(node);
    this.interceptor = factory.create(this::dropRefusedChannels, this::advertisedAddresses);
  }

  /** The member's advertised address (its public address when one is set), resolved; empty before it is known. */
  private Collection<InetSocketAddress> advertisedAddresses() {
    try {
      Address a = node.getThisAddress();
      return a == null ? List.of() : List.of(new InetSocketAddress(a.getInetAddress(), a.getPort()));
    } catch (UnknownHostException | RuntimeException e) {
      return List.of();
    }
  }

  /** Whether the node runs with the member endpoint's socket interceptor enabled (else the hook is never called). */
  boolean interceptorEnabled() {
    EndpointConfig member = node.getConfig().getAdvancedNetworkConfig().getEndpointConfigs()
        .get(EndpointQualifier.MEMBER);
    return node.getConfig().getAdvancedNetworkConfig().isEnabled() && member != null
        && member.getSocketInterceptorConfig() != null && member.getSocketInterceptorConfig().isEnabled();
  }

  @Override
  public MemberSocketInterceptor getSocketInterceptor(EndpointQualifier endpointQualifier) {
    return interceptor;
  }

  HandshakeInterceptor interceptor() {
    return interceptor;
  }

  /** How many channels Hazelcast holds that are accepted but not yet connections (refused ones included). */
  int pendingAcceptedChannels() {
    Set<Channel> set = acceptedChannels();
    return set == null ? -1 : set.size();
  }

  void dropRefusedChannels() {
    Set<Channel> set = acceptedChannels();
    if (set != null) {
      set.removeIf(Channel::isClosed);
    }
  }

  @SuppressWarnings("unchecked")
  private Set<Channel> acceptedChannels() {
    Set<Channel> set = acceptedChannels;
    if (set != null || sweepUnavailable) {
      return set;
    }
    try {
      ServerConnectionManager cm = node.getServer().getConnectionManager(EndpointQualifier.MEMBER);
      for (Class<?> c = cm.getClass(); c != null; c = c.getSuperclass()) {
        try {
          Field f = c.getDeclaredField("acceptedChannels");
          f.setAccessible(true);
          set = (Set<Channel>) f.get(cm);
          acceptedChannels = set;
          return set;
        } catch (NoSuchFieldException next) {
          // look in the superclass
        }
      }
      throw new NoSuchFieldException("acceptedChannels");
    } catch (ReflectiveOperationException | RuntimeException e) {
      sweepUnavailable = true;
      log.warn("event=refused_channel_sweep_unavailable error={} (each refused member connection keeps a small "
          + "object until the member stops)", e.toString());
      return null;
    }
  }

  /** Builds the interceptor once the extension exists (it needs the extension's sweep). */
  @FunctionalInterface
  interface HandshakeInterceptorFactory {
    HandshakeInterceptor create(Runnable beforeAccept, Supplier<Collection<InetSocketAddress>> advertised);
  }

  /** Makes Hazelcast build a {@link TrustedNodeExtension} for the node it starts. */
  static final class Context extends DefaultNodeContext {
    private final HandshakeInterceptorFactory factory;

    Context(HandshakeInterceptorFactory factory) {
      this.factory = factory;
    }

    @Override
    public NodeExtension createNodeExtension(Node node) {
      return new TrustedNodeExtension(node, factory);
    }
  }
}
