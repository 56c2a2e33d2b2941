package io.corral.cluster.ledger;

import io.corral.cluster.trust.ClusterSecret;
import io.corral.cluster.trust.NoticeSigner;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The wire form of a direct grant notice: one UDP datagram from the ledger's partition owner to the member holding
 * the ticket ({@link Grant#notifyTo()}). Plain text, five lines: a magic line, the member, the ticket, the backend,
 * and the tags over the first four, comma-separated, one per key of the sender's cluster secret
 * ({@link NoticeSigner}). A datagram without a valid tag is dropped, so nobody outside the cluster can hand a waiting
 * request a slot it was never granted; a lost one costs nothing, since every grant also goes out on the member's
 * grant topic and reconciliation finds any grant both missed. Members without a cluster secret send no datagrams.
 */
public final class GrantDatagram {

  static final String MAGIC = "corral-grant-2";
  /** Far above any real notice (two UUIDs, a backend id and up to four tags), far below a datagram's limit. */
  public static final int MAX_BYTES = 2048;
  private static final int TAG_HEX = NoticeSigner.TAG_BYTES * 2;

  private GrantDatagram() {}

  public static byte[] encode(Grant g, NoticeSigner signer) {
    byte[] body = (MAGIC + '\n' + g.memberId() + '\n' + g.ticketId() + '\n' + g.backendId())
        .getBytes(StandardCharsets.UTF_8);
    StringBuilder tags = new StringBuilder();
    for (byte[] tag : signer.sign(body)) {
      tags.append(tags.length() == 0 ? "" : ",").append(HexFormat.of().formatHex(tag));
    }
    byte[] tail = tags.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] out = Arrays.copyOf(body, body.length + 1 + tail.length);
    out[body.length] = '\n';
    System.arraycopy(tail, 0, out, body.length + 1, tail.length);
    return out;
  }

  /** The grant in {@code bytes}, or null when they are not a grant notice signed with the cluster's secret. */
  public static Grant decode(byte[] bytes, NoticeSigner signer) {
    if (bytes.length > MAX_BYTES) {
      return null;
    }
    int split = -1;
    for (int i = bytes.length - 1; i >= 0; i--) {
      if (bytes[i] == '\n') {
        split = i;
        break;
      }
    }
    if (split < 0) {
      return null;
    }
    String[] hexTags = new String(bytes, split + 1, bytes.length - split - 1, StandardCharsets.US_ASCII).split(",");
    if (hexTags.length > ClusterSecret.MAX_KEYS) {
      return null;
    }
    List<byte[]> tags = new ArrayList<>();
    for (String hex : hexTags) {
      if (hex.length() != TAG_HEX) {
        return null;
      }
      try {
        tags.add(HexFormat.of().parseHex(hex));
      } catch (IllegalArgumentException notHex) {
        return null;
      }
    }
    byte[] body = Arrays.copyOf(bytes, split);
    if (!signer.verify(body, tags)) {
      return null;
    }
    String[] lines = new String(body, StandardCharsets.UTF_8).split("\n", -1);
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
