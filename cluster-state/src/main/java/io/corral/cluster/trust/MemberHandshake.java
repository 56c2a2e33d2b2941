package io.corral.cluster.trust;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * corral's member handshake: both ends of a new member connection prove they hold the cluster secret before
 * Hazelcast's own protocol starts. A challenge-response with fresh nonces from both sides, so nothing can be
 * replayed; the acceptor proves itself too, so a member never takes an impostor for a member; and both proofs name
 * the address the connector dialled, which the acceptor checks against its own, so a connection cannot be relayed
 * or reflected (a peer that a member dials cannot pass that member's proof on to another member, or back to it).
 *
 * <pre>
 * connector -&gt; acceptor  HELLO     magic "CRLH", version (1 byte), nonceC (32)
 * acceptor  -&gt; connector CHALLENGE magic "CRLH", version (1 byte), nonceA (32)
 * connector -&gt; acceptor  PROOF     n (1 byte, 1..4), target (1 byte length L = 4 or 16, L address bytes, 2 port
 *                                  bytes), n x HMAC(key_i, "corral-member-v1/connect" | nonceC | nonceA | target)
 * acceptor  -&gt; connector RESULT    0, i (1 byte), HMAC(key_i, "corral-member-v1/accept" | nonceC | nonceA | target)
 *                                  or 1 (refused), then the connection closes
 * </pre>
 * The connector proves every key it holds (current first), and the acceptor takes the first it also holds: during a
 * rotation a member with the new and the old key talks to members that know only one of them. Keys are the
 * handshake keys derived from the {@link ClusterSecret}. MACs are compared in constant time.
 *
 * <p>It reads exactly what the protocol says and no byte more, so Hazelcast finds its own first byte where it
 * expects it. The whole handshake runs against one {@link Deadline}. Thread-safe: one instance serves every
 * connection.
 */
public final class MemberHandshake {

  /** The version this build speaks. A later build that speaks more must still answer a version-1 HELLO. */
  public static final int VERSION = 1;
  static final byte[] MAGIC = {'C', 'R', 'L', 'H'};
  static final int NONCE_BYTES = 32;
  static final int MAC_BYTES = 32;
  private static final byte[] CONNECT_LABEL = "corral-member-v1/connect".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ACCEPT_LABEL = "corral-member-v1/accept".getBytes(StandardCharsets.US_ASCII);
  private static final int OK = 0;
  private static final int REFUSED = 1;

  private final List<byte[]> keys;
  private final SecureRandom random;

  public MemberHandshake(ClusterSecret secret, SecureRandom random) {
    this.keys = secret.handshakeKeys();
    this.random = random;
  }

  /** When a handshake must be done by; called before every read so a trickling peer cannot stretch it. */
  public interface Deadline {
    /** Sets the next read's timeout to what is left; throws when nothing is. */
    void beforeRead() throws IOException;

    /** No deadline (streams that end by themselves, in tests). */
    static Deadline none() {
      return () -> { };
    }

    /** {@code limit} from now for everything read from {@code socket}: each read may wait only what is left. */
    static Deadline of(Socket socket, Duration limit) {
      long end = System.nanoTime() + limit.toNanos();
      return () -> {
        long left = (end - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
          throw new SocketTimeoutException("handshake deadline passed");
        }
        socket.setSoTimeout((int) Math.max(1, left));
      };
    }
  }

  /**
   * The acceptor's side. Returns when the peer proved the secret and dialled one of {@code ownAddresses}; throws
   * {@link HandshakeRefused} otherwise.
   *
   * @param ownAddresses the addresses this member is reached at: the socket's local address and its advertised one
   */
  public void accept(InputStream in, OutputStream out, Deadline deadline, Collection<InetSocketAddress> ownAddresses)
      throws IOException {
    byte[] hello = read(in, MAGIC.length + 1 + NONCE_BYTES, "its greeting", deadline);
    if (!Arrays.equals(hello, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new HandshakeRefused("it does not speak corral's member handshake (a member without the cluster secret, "
          + "a Hazelcast client, or another program)");
    }
    int version = hello[MAGIC.length] & 0xff;
    if (version != VERSION) {
      throw new HandshakeRefused("it speaks member handshake version " + version + "; this member speaks "
          + VERSION);
    }
    byte[] nonceC = Arrays.copyOfRange(hello, MAGIC.length + 1, hello.length);
    byte[] nonceA = nonce();
    out.write(greeting(nonceA));
    out.flush();
    int n = readByte(in, "its proof", deadline);
    if (n < 1 || n > ClusterSecret.MAX_KEYS) {
      throw new HandshakeRefused("its proof is malformed");
    }
    byte[] target = readTarget(in, deadline);
    byte[] proofs = read(in, n * MAC_BYTES, "its proof", deadline);
    InetSocketAddress dialled = decodeTarget(target);
    if (!ownAddresses.contains(dialled)) {
      out.write(REFUSED);
      out.flush();
      throw new HandshakeRefused("it proves a connection to " + dialled.getAddress().getHostAddress() + ":"
          + dialled.getPort() + ", not to this member (a relayed or reflected handshake)");
    }
    for (int i = 0; i < n; i++) {
      byte[] proof = Arrays.copyOfRange(proofs, i * MAC_BYTES, (i + 1) * MAC_BYTES);
      for (byte[] key : keys) {
        if (MessageDigest.isEqual(proof, ClusterSecret.hmac(key, CONNECT_LABEL, nonceC, nonceA, target))) {
          byte[] answer = new byte[2 + MAC_BYTES];
          answer[0] = OK;
          answer[1] = (byte) i;
          System.arraycopy(ClusterSecret.hmac(key, ACCEPT_LABEL, nonceC, nonceA, target), 0, answer, 2, MAC_BYTES);
          out.write(answer);
          out.flush();
          return;
        }
      }
    }
    out.write(REFUSED);
    out.flush();
    throw new HandshakeRefused("it did not prove the cluster secret (it holds a different one)");
  }

  /**
   * The connector's side. Returns when the peer proved the secret; throws {@link HandshakeRefused} otherwise.
   *
   * @param target the address this member dialled
   */
  public void connect(InputStream in, OutputStream out, Deadline deadline, InetSocketAddress target)
      throws IOException {
    byte[] nonceC = nonce();
    out.write(greeting(nonceC));
    out.flush();
    byte[] challenge = read(in, MAGIC.length + 1 + NONCE_BYTES, "a challenge", deadline);
    if (!Arrays.equals(challenge, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new HandshakeRefused("it does not speak corral's member handshake");
    }
    int version = challenge[MAGIC.length] & 0xff;
    if (version != VERSION) {
      throw new HandshakeRefused("it answered with member handshake version " + version + "; this member speaks "
          + VERSION);
    }
    byte[] nonceA = Arrays.copyOfRange(challenge, MAGIC.length + 1, challenge.length);
    byte[] encodedTarget = encodeTarget(target);
    byte[] proof = new byte[1 + encodedTarget.length + keys.size() * MAC_BYTES];
    proof[0] = (byte) keys.size();
    System.arraycopy(encodedTarget, 0, proof, 1, encodedTarget.length);
    for (int i = 0; i < keys.size(); i++) {
      System.arraycopy(ClusterSecret.hmac(keys.get(i), CONNECT_LABEL, nonceC, nonceA, encodedTarget), 0, proof,
          1 + encodedTarget.length + i * MAC_BYTES, MAC_BYTES);
    }
    out.write(proof);
    out.flush();
    int status = readByte(in, "an answer to our proof", deadline);
    if (status == REFUSED) {
      throw new HandshakeRefused("it refused our proof: it holds a different cluster secret, or it is not the member "
          + "we dialled");
    }
    int index = readByte(in, "an answer to our proof", deadline);
    if (status != OK || index >= keys.size()) {
      throw new HandshakeRefused("its answer is malformed");
    }
    byte[] mac = read(in, MAC_BYTES, "an answer to our proof", deadline);
    if (!MessageDigest.isEqual(mac, ClusterSecret.hmac(keys.get(index), ACCEPT_LABEL, nonceC, nonceA,
        encodedTarget))) {
      throw new HandshakeRefused("it did not prove the cluster secret: an impostor, or a member with another "
          + "secret");
    }
  }

  static byte[] encodeTarget(InetSocketAddress target) {
    byte[] address = target.getAddress().getAddress();
    byte[] out = new byte[1 + address.length + 2];
    out[0] = (byte) address.length;
    System.arraycopy(address, 0, out, 1, address.length);
    out[1 + address.length] = (byte) (target.getPort() >>> 8);
    out[2 + address.length] = (byte) target.getPort();
    return out;
  }

  private static byte[] readTarget(InputStream in, Deadline deadline) throws IOException {
    int length = readByte(in, "its proof", deadline);
    if (length != 4 && length != 16) {
      throw new HandshakeRefused("its proof is malformed");
    }
    byte[] rest = read(in, length + 2, "its proof", deadline);
    byte[] target = new byte[1 + rest.length];
    target[0] = (byte) length;
    System.arraycopy(rest, 0, target, 1, rest.length);
    return target;
  }

  private static InetSocketAddress decodeTarget(byte[] target) throws HandshakeRefused {
    int length = target[0];
    try {
      InetAddress address = InetAddress.getByAddress(Arrays.copyOfRange(target, 1, 1 + length));
      int port = ((target[1 + length] & 0xff) << 8) | (target[2 + length] & 0xff);
      return new InetSocketAddress(address, port);
    } catch (UnknownHostException e) {
      throw new HandshakeRefused("its proof is malformed");
    }
  }

  private byte[] nonce() {
    byte[] n = new byte[NONCE_BYTES];
    random.nextBytes(n);
    return n;
  }

  private static byte[] greeting(byte[] nonce) {
    byte[] g = new byte[MAGIC.length + 1 + NONCE_BYTES];
    System.arraycopy(MAGIC, 0, g, 0, MAGIC.length);
    g[MAGIC.length] = (byte) VERSION;
    System.arraycopy(nonce, 0, g, MAGIC.length + 1, NONCE_BYTES);
    return g;
  }

  /** Exactly {@code n} bytes, each read under what is left of the deadline (never more: Hazelcast's come next). */
  private static byte[] read(InputStream in, int n, String what, Deadline deadline) throws IOException {
    byte[] b = new byte[n];
    int off = 0;
    while (off < n) {
      deadline.beforeRead();
      int r;
      try {
        r = in.read(b, off, n - off);
      } catch (SocketTimeoutException e) {
        throw new HandshakeRefused("it did not send " + what + " in time (a member without the cluster secret, or a "
            + "stalled connection)");
      }
      if (r < 0) {
        throw new HandshakeRefused("it closed the connection instead of sending " + what
            + " (no cluster secret, or a different one)");
      }
      off += r;
    }
    return b;
  }

  private static int readByte(InputStream in, String what, Deadline deadline) throws IOException {
    return read(in, 1, what, deadline)[0] & 0xff;
  }

  /** The peer did not complete the handshake; the message says why, for the log. No stack trace: it is expected. */
  public static final class HandshakeRefused extends IOException {
    public HandshakeRefused(String reason) {
      super(reason);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
      return this;
    }
  }
}
