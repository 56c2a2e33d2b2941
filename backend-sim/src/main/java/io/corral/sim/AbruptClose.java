package io.corral.sim;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts a connection the way a crashing server does: a TCP reset, not an orderly close.
 *
 * <p>Vert.x has no public API for a reset on HTTP/1.x, so this reaches for the Netty channel behind its
 * (internal) {@code ConnectionBase} and closes it with {@code SO_LINGER=0}. If that ever stops working the
 * fallback is a plain close, which a client sees as a truncated response instead of "connection reset".
 */
final class AbruptClose {

  private static final Logger log = LoggerFactory.getLogger(AbruptClose.class);

  private AbruptClose() {}

  static void reset(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      Channel channel = base.channel();
      try {
        channel.config().setOption(ChannelOption.SO_LINGER, 0);
      } catch (RuntimeException e) {
        log.debug("event=reset-linger-unavailable reason={}", e.toString());
      }
      channel.close();
    } else {
      connection.close();
    }
  }
}
