package io.corral.cluster.trust;

import com.hazelcast.nio.MemberSocketInterceptor;
import io.corral.cluster.trust.MemberHandshake.HandshakeRefused;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Runs on every member connection, inbound and outbound, before Hazelcast sends or reads a byte of its own protocol
 * (Hazelcast calls it on its I/O executor with the socket in blocking mode; see decision 0007): the peer's address
 * must be allowed, then both ends prove the cluster secret ({@link MemberHandshake}). Throwing closes the
 * connection; an outbound failure also keeps Hazelcast from joining or talking to that address. Without a secret
 * ({@code handshake} null) only the allow-list is checked.
 *
 * <p>Hazelcast's I/O executor has 16 workers, shared with its outbound connects and reconnects. So a handshake has
 * one deadline for all its reads ({@link #HANDSHAKE_TIMEOUT}), and at most {@link #MAX_INBOUND} inbound handshakes
 * (at most {@link #MAX_INBOUND_PER_ADDRESS} from one address) run at once; more are refused at once, without a
 * read. Stalling peers can then delay other inbound connections (members retry) but never a member's own connects.
 * Thread-safe.
 */
final class HandshakeInterceptor implements MemberSocketInterceptor {

  /** For the whole handshake; it takes a few milliseconds between members that hold the secret. */
  static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(3);
  static final int MAX_INBOUND = 8;
  static final int MAX_INBOUND_PER_ADDRESS = 2;

  private final MemberHandshake handshake;
  private final AddressRanges allow;
  private final RefusalLog refusals;
  /** Called before each inbound handshake: frees what Hazelcast kept of earlier refused connections. */
  private final Runnable beforeAccept;
  /** Where this member is reached besides its sockets' local address: its advertised (public) address. */
  private final Supplier<Collection<InetSocketAddress>> advertised;
  private final Semaphore inbound = new Semaphore(MAX_INBOUND);
  private final Map<InetAddress, AtomicInteger> inboundByAddress = new ConcurrentHashMap<>();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong passed = new AtomicLong();

  HandshakeInterceptor(MemberHandshake handshake, AddressRanges allow, RefusalLog refusals, Runnable beforeAccept,
      Supplier<Collection<InetSocketAddress>> advertised) {
    this.handshake = handshake;
    this.allow = allow;
    this.refusals = refusals;
    this.beforeAccept = beforeAccept;
    this.advertised = advertised;
  }

  @Override
  public void init(Properties properties) {
    // configured through the constructor; Hazelcast's community edition never calls this
  }

  @Override
  public void onAccept(Socket socket) throws IOException {
    beforeAccept.run();
    InetAddress peer = socket.getInetAddress();
    String where = describe(peer, socket.getPort());
    checkAllowed(peer, where, true);
    if (handshake == null) {
      passed.incrementAndGet();
      return;
    }
    if (!inbound.tryAcquire()) {
      throw refuse(where, true, "too many member handshakes at once (" + MAX_INBOUND + ")");
    }
    AtomicInteger fromPeer = inboundByAddress.computeIfAbsent(peer, k -> new AtomicInteger());
    try {
      if (fromPeer.incrementAndGet() > MAX_INBOUND_PER_ADDRESS) {
        throw refuse(where, true, "too many member handshakes at once from one address ("
            + MAX_INBOUND_PER_ADDRESS + ")");
      }
      List<InetSocketAddress> own = new ArrayList<>(advertised.get());
      own.add(new InetSocketAddress(socket.getLocalAddress(), socket.getLocalPort()));
      run(socket, where, true, (s, d) -> handshake.accept(s.getInputStream(), s.getOutputStream(), d, own));
    } finally {
      if (fromPeer.decrementAndGet() <= 0) {
        inboundByAddress.remove(peer, fromPeer);
      }
      inbound.release();
    }
  }

  @Override
  public void onConnect(Socket socket) throws IOException {
    InetAddress peer = socket.getInetAddress();
    String where = describe(peer, socket.getPort());
    checkAllowed(peer, where, false);
    if (handshake == null) {
      passed.incrementAndGet();
      return;
    }
    InetSocketAddress target = new InetSocketAddress(peer, socket.getPort());
    run(socket, where, false, (s, d) -> handshake.connect(s.getInputStream(), s.getOutputStream(), d, target));
  }

  private void checkAllowed(InetAddress peer, String where, boolean inbound) throws HandshakeRefused {
    if (!allow.isEmpty() && (peer == null || !allow.contains(peer))) {
      throw refuse(where, inbound, "its address is outside --member-allow (" + allow + ")");
    }
  }

  @FunctionalInterface
  private interface Side {
    void run(Socket socket, MemberHandshake.Deadline deadline) throws IOException;
  }

  private void run(Socket socket, String where, boolean inbound, Side side) throws IOException {
    int before = socket.getSoTimeout();
    try {
      side.run(socket, MemberHandshake.Deadline.of(socket, HANDSHAKE_TIMEOUT));
    } catch (HandshakeRefused e) {
      throw refuse(where, inbound, e.getMessage());
    } catch (SocketTimeoutException e) {
      throw refuse(where, inbound, "it did not finish the handshake within " + HANDSHAKE_TIMEOUT.toMillis()
          + " ms (a member without the cluster secret, or a stalled connection)");
    } catch (IOException e) {
      throw refuse(where, inbound, "the connection failed during the handshake: " + e.getMessage());
    }
    socket.setSoTimeout(before);
    passed.incrementAndGet();
  }

  private static String describe(InetAddress peer, int port) {
    return peer == null ? "?" : peer.getHostAddress() + ":" + port;
  }

  private HandshakeRefused refuse(String where, boolean inbound, String reason) {
    refused.incrementAndGet();
    refusals.record(where, inbound, reason);
    return new HandshakeRefused((inbound ? "refused a member connection from " : "gave up a member connection to ")
        + where + ": " + reason);
  }

  /** Connections refused since start (inbound and outbound). */
  long refusedCount() {
    return refused.get();
  }

  /** Connections that passed (the secret proven, or the allow-list alone without a secret). */
  long passedCount() {
    return passed.get();
  }

  /** Whether this interceptor checks the secret (not only the allow-list). */
  boolean checksSecret() {
    return handshake != null;
  }
}
