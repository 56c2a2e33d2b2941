package io.corral.cluster.ledger;

import java.nio.charset.StandardCharsets;

/**
 * The wire form of a direct grant notice: one UDP datagram from the ledger's partition owner to the member holding
 * the ticket ({@link Grant#notifyTo()}). Plain text, four lines: a magic line, the member, the ticket, the backend.
 * A datagram that does not parse is ignored; a lost one costs nothing, since every grant also goes out on the
 * member's grant topic and reconciliation finds any grant both missed.
 */
public final class GrantDatagram {

  static final String MAGIC = "corral-grant-1";
  /** Far above any real notice (two UUIDs and a backend id), far below a datagram's limit. */
  public static final int MAX_BYTES = 2048;

  private GrantDatagram() {}

  public static byte[] encode(Grant g) {
    return (MAGIC + '\n' + g.memberId() + '\n' + g.ticketId() + '\n' + g.backendId())
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The grant in {@code bytes}, or null when they are not a grant notice. */
  public static Grant decode(byte[] bytes) {
    if (bytes.length > MAX_BYTES) {
      return null;
    }
    String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
    if (lines.length != 4 || !lines[0].equals(MAGIC)) {
      return null;
    }
    for (int i = 1; i < 4; i++) {
      if (lines[i].isEmpty()) {
        return null;
      }
    }
    return new Grant(lines[2], lines[1], lines[3]);
  }
}
