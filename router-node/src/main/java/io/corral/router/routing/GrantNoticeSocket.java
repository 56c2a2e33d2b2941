package io.corral.router.routing;

import io.corral.cluster.ledger.Grant;
import io.corral.cluster.ledger.GrantDatagram;
import io.corral.cluster.trust.NoticeSigner;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.datagram.DatagramSocket;
import io.vertx.core.datagram.DatagramSocketOptions;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This member's socket for direct grant notices ({@link GrantDatagram}): UDP on the cluster interface, on the
 * same port number as the member's Hazelcast port when that is free (one firewall rule for both), otherwise on any
 * free port. The ledger's owner sends a notice here the moment a queued ticket of this member gets a slot, and
 * the socket's event loop hands it to the {@link LedgerSelector} without passing through Hazelcast's threads.
 *
 * <p>A notice only counts when it carries the cluster's signature ({@link NoticeSigner}), for a ticket this member is
 * waiting on, for a backend that was one of the request's candidates; anything else is dropped. Members without a
 * cluster secret open no such socket.
 */
public final class GrantNoticeSocket implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(GrantNoticeSocket.class);

  private final DatagramSocket socket;
  private final String address;

  private GrantNoticeSocket(DatagramSocket socket, String address) {
    this.socket = socket;
    this.address = address;
  }

  /**
   * Listens on {@code bindHost}, preferring {@code preferredPort}; {@code advertisedIp} is the address the ledger
   * sends to (an IP literal: the member's Hazelcast address).
   */
  public static Future<GrantNoticeSocket> open(Vertx vertx, String bindHost, String advertisedIp, int preferredPort,
      NoticeSigner signer, Consumer<Grant> onGrant) {
    return listen(vertx, bindHost, preferredPort, signer, onGrant)
        .recover(err -> preferredPort == 0 ? Future.failedFuture(err)
            : listen(vertx, bindHost, 0, signer, onGrant))
        .map(s -> {
          String address = advertisedIp + ":" + s.localAddress().port();
          log.info("event=grant_datagrams_listening address={}", address);
          return new GrantNoticeSocket(s, address);
        });
  }

  private static Future<DatagramSocket> listen(Vertx vertx, String bindHost, int port, NoticeSigner signer,
      Consumer<Grant> onGrant) {
    DatagramSocket s = vertx.createDatagramSocket(new DatagramSocketOptions().setIpV6(false));
    s.handler(packet -> {
      Grant g = GrantDatagram.decode(packet.data().getBytes(), signer);
      if (g != null) {
        onGrant.accept(g);
      }
    });
    return s.listen(port, bindHost).onFailure(err -> s.close());
  }

  /** {@code ip:port}, for {@link io.corral.cluster.ledger.AcquireRequest#notifyTo()}. */
  public String address() {
    return address;
  }

  @Override
  public void close() {
    socket.close();
  }
}
