package io.corral.cluster.ledger;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.topic.ITopic;
import io.corral.cluster.wire.SharedEntries;
import io.corral.cluster.trust.NoticeSigner;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the member holding a ticket that it was granted a slot: a message on that member's own topic
 * ({@code corral.grants.<member uuid>}). The ledger's partition owner sends it from inside the entry processor
 * that made the grant, so the notice is on its way before the member that freed the slot even hears back: the
 * shortest path from a freed slot to the next request's first byte. Delivery is best effort; a member that
 * misses a message finds the grant when it reconciles its tickets with the ledger.
 *
 * <p>A ticket that names a direct notice address ({@link Grant#notifyTo()}) is also told with one UDP datagram
 * ({@link GrantDatagram}, signed with the cluster secret), sent straight from the partition thread. A topic message reaches the member's event
 * loop through three threads (its IO thread, a Hazelcast event thread, the loop); the datagram wakes the loop
 * itself. Traced on the benchmark machine at 90% load, grant to event loop took 0.98 ms on average by topic and
 * 0.65-0.79 ms with the datagram (decision 0004); every millisecond a freed slot stays idle is lost capacity.
 * Whichever notice arrives first counts.
 *
 * <p>One notifier per Hazelcast instance ({@link #of}), kept in the instance's user context where the entry
 * processors find it. Thread-safety: safe from any thread; publishing never blocks (it may run on a partition
 * thread); the subscriber runs on Hazelcast event threads and must not block.
 */
public final class GrantNotifier {

  /** Where a member keeps the signer of its grant notices: the instance's user context, put there at start. */
  public static final String SIGNER_CONTEXT_KEY = "corral.noticeSigner";
  private static final String PREFIX = "corral.grants.";
  private static final String USER_CONTEXT_KEY = "corral.grantNotifier";
  private static final Logger log = LoggerFactory.getLogger(GrantNotifier.class);
  private static final Pattern IPV4_AND_PORT = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}:\\d{1,5}");

  private final HazelcastInstance hazelcast;
  /** Signs direct notices; null without a cluster secret, and then no datagram is sent. */
  private final NoticeSigner signer;
  /** Topic proxies by member, so a partition thread only looks one up once per member. */
  private final Map<String, ITopic<Grant>> topics = new ConcurrentHashMap<>();
  /** Parsed notice addresses; empty for one that is not an IPv4 literal (never resolved on a partition thread). */
  private final Map<String, Optional<InetSocketAddress>> addresses = new ConcurrentHashMap<>();
  private volatile DatagramChannel datagrams;
  private volatile boolean datagramsFailed;
  private UUID registration;
  private ITopic<Grant> own;

  private GrantNotifier(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
    this.signer = signerOf(hazelcast);
  }

  /** The signer of grant notices of this instance, or null when its cluster has no secret. */
  public static NoticeSigner signerOf(HazelcastInstance hazelcast) {
    return hazelcast.getUserContext().get(SIGNER_CONTEXT_KEY) instanceof NoticeSigner n ? n : null;
  }

  /** This instance's notifier. */
  public static GrantNotifier of(HazelcastInstance hazelcast) {
    return (GrantNotifier) hazelcast.getUserContext().computeIfAbsent(USER_CONTEXT_KEY,
        k -> new GrantNotifier(hazelcast));
  }

  /** Receives the grants made for this member's tickets. */
  public void subscribe(String localMemberId, Consumer<Grant> onGrant) {
    own = topic(localMemberId);
    SharedEntries<Grant> messages = new SharedEntries<>(PREFIX + localMemberId, Grant.class);
    registration = own.addMessageListener(m -> messages.messageOf(m).ifPresent(onGrant));
  }

  /** Sends each grant to its member (fire and forget): directly when it has a notice address, and on its topic. */
  public void publish(List<Grant> grants) {
    for (Grant g : grants) {
      if (!g.notifyTo().isEmpty() && signer != null) {
        sendDirect(g);
      }
      topic(g.memberId()).publishAsync(g);
    }
  }

  private void sendDirect(Grant g) {
    Optional<InetSocketAddress> to = addresses.computeIfAbsent(g.notifyTo(), GrantNotifier::literalAddress);
    DatagramChannel channel = to.isPresent() ? datagrams() : null;
    if (channel == null) {
      return;
    }
    try {
      // non-blocking: a full send buffer drops the notice, and the topic message still carries it
      channel.send(ByteBuffer.wrap(GrantDatagram.encode(g, signer)), to.get());
    } catch (IOException | RuntimeException e) {
      log.debug("event=grant_datagram_failed to={} error={}", g.notifyTo(), e.toString());
    }
  }

  private DatagramChannel datagrams() {
    DatagramChannel c = datagrams;
    if (c != null || datagramsFailed) {
      return c;
    }
    synchronized (this) {
      if (datagrams == null && !datagramsFailed) {
        try {
          DatagramChannel open = DatagramChannel.open();
          open.configureBlocking(false);
          // send from the cluster's own interface, as Hazelcast does
          String local = hazelcast.getConfig().getProperty("hazelcast.local.localAddress");
          open.bind(literalAddress((local == null ? "" : local) + ":1")
              .map(a -> new InetSocketAddress(a.getAddress(), 0)).orElse(null));
          datagrams = open;
        } catch (IOException | RuntimeException e) {
          datagramsFailed = true;
          log.warn("event=grant_datagrams_unavailable error={} (grants go by topic only)", e.toString());
        }
      }
      return datagrams;
    }
  }

  static Optional<InetSocketAddress> literalAddress(String hostPort) {
    if (!IPV4_AND_PORT.matcher(hostPort).matches()) {
      return Optional.empty();
    }
    int colon = hostPort.lastIndexOf(':');
    try {
      int port = Integer.parseInt(hostPort.substring(colon + 1));
      // an IPv4 literal: getByName parses it without any name lookup
      return port > 0 && port < 65536
          ? Optional.of(new InetSocketAddress(InetAddress.getByName(hostPort.substring(0, colon)), port))
          : Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private ITopic<Grant> topic(String memberId) {
    return topics.computeIfAbsent(memberId, id -> hazelcast.getTopic(PREFIX + id));
  }

  /** Stops listening; the next {@link #subscribe} may use another member id (after a merge). */
  public void close() {
    if (own != null && registration != null) {
      try {
        own.removeMessageListener(registration);
        own.destroy();
      } catch (RuntimeException ignored) {
        // the instance may be gone
      }
      topics.values().remove(own);
      own = null;
    }
  }

  /** Closes the datagram sender of {@code hazelcast}'s notifier, if it has one: the instance is going away. */
  public static void shutdown(HazelcastInstance hazelcast) {
    Object n = hazelcast.getUserContext().get(USER_CONTEXT_KEY);
    if (n instanceof GrantNotifier notifier) {
      notifier.shutdown();
    }
  }

  private void shutdown() {
    close();
    DatagramChannel c = datagrams;
    datagramsFailed = true;
    if (c != null) {
      try {
        c.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
