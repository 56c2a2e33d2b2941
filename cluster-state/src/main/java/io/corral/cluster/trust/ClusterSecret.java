package io.corral.cluster.trust;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret every member of one cluster holds: the current key, which members present, and the keys of a rotation
 * still accepted (at most {@value #MAX_KEYS} in all). Members prove it to each other on every connection
 * ({@link MemberHandshake}) and sign grant notices with it ({@link NoticeSigner}).
 *
 * <p>Text form, one secret per line (a file given by {@code --cluster-secret-file}, or {@code CORRAL_CLUSTER_SECRET}
 * with lines or commas), {@code #} comments allowed; the first is current, the others are only accepted:
 * <pre>corral-secret-v1:&lt;cluster id, 16 hex&gt;:&lt;key, 32 random bytes in base64url&gt;</pre>
 * Any other text of at least {@value #MIN_PASSPHRASE} characters is taken as a passphrase (its cluster id is
 * derived from it). The cluster id names the Hazelcast cluster ({@link #clusterName}); a rotation keeps it, so a
 * cluster keeps its name while its members move to a new key one at a time.
 *
 * <p>Keys never appear in {@link #toString()}. Immutable and thread-safe.
 */
public final class ClusterSecret {

  public static final String TOKEN_PREFIX = "corral-secret-v1:";
  public static final int MIN_PASSPHRASE = 32;
  public static final int MAX_KEYS = 4;
  static final int KEY_BYTES = 32;

  private final String clusterId;
  /** Key material, current first. */
  private final List<Key> keys;
  /** Per key, the key members prove in the handshake (derived, so the raw key never signs anything directly). */
  private final List<byte[]> handshakeKeys;
  private final List<byte[]> noticeKeys;

  /** @param passphrase given as text by the operator (written back as it was), not made by corral */
  private record Key(byte[] bytes, boolean passphrase) {}

  private ClusterSecret(String clusterId, List<Key> keys) {
    if (keys.isEmpty() || keys.size() > MAX_KEYS) {
      throw new IllegalArgumentException("a cluster secret holds 1 to " + MAX_KEYS + " keys, got " + keys.size());
    }
    this.clusterId = clusterId;
    this.keys = keys.stream().map(k -> new Key(k.bytes().clone(), k.passphrase())).toList();
    this.handshakeKeys = this.keys.stream().map(k -> hmac(k.bytes(), "corral member handshake v1")).toList();
    this.noticeKeys = this.keys.stream().map(k -> hmac(k.bytes(), "corral grant notice v1")).toList();
  }

  /** A new secret: a random cluster id and a random key. */
  public static ClusterSecret generate(SecureRandom random) {
    byte[] id = new byte[8];
    random.nextBytes(id);
    return new ClusterSecret(HexFormat.of().formatHex(id), List.of(randomKey(random)));
  }

  /**
   * The next secret of a rotation: a new current key, this one's current key still accepted (older ones dropped).
   * Members started with it accept both, so the roll needs no downtime; see {@link #withoutPrevious()}.
   */
  public ClusterSecret rotated(SecureRandom random) {
    return new ClusterSecret(clusterId, List.of(randomKey(random), keys.get(0)));
  }

  /** The same secret without the keys it only accepts: the last step of a rotation. */
  public ClusterSecret withoutPrevious() {
    return new ClusterSecret(clusterId, List.of(keys.get(0)));
  }

  /**
   * Reads the text form (see the class comment).
   *
   * @throws IllegalArgumentException naming what is wrong, never quoting the secret
   */
  public static ClusterSecret parse(String text) {
    Objects.requireNonNull(text, "text");
    List<String> entries = new ArrayList<>();
    for (String line : text.split("\\R")) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      for (String part : l.startsWith(TOKEN_PREFIX) ? l.split("[,\\s]+") : new String[] {l}) {
        if (!part.isBlank()) {
          entries.add(part.strip());
        }
      }
    }
    if (entries.isEmpty()) {
      throw new IllegalArgumentException("the cluster secret is empty (make one with: corral secret new)");
    }
    String id = null;
    List<Key> keys = new ArrayList<>();
    for (String e : entries) {
      String entryId;
      byte[] key;
      boolean passphrase = !e.startsWith(TOKEN_PREFIX);
      if (e.startsWith(TOKEN_PREFIX)) {
        String[] parts = e.substring(TOKEN_PREFIX.length()).split(":", -1);
        if (parts.length != 2 || !parts[0].matches("[0-9a-f]{16}")) {
          throw new IllegalArgumentException("a cluster secret line starting '" + TOKEN_PREFIX + "' must be "
              + TOKEN_PREFIX + "<16 hex digits>:<base64url key>");
        }
        try {
          key = Base64.getUrlDecoder().decode(parts[1]);
        } catch (IllegalArgumentException bad) {
          throw new IllegalArgumentException("the key of a cluster secret line is not base64url");
        }
        if (key.length < KEY_BYTES) {
          throw new IllegalArgumentException("the key of a cluster secret line has " + key.length + " bytes; at least "
              + KEY_BYTES + " are required");
        }
        entryId = parts[0];
      } else {
        if (e.length() < MIN_PASSPHRASE) {
          throw new IllegalArgumentException("the cluster secret is too short (" + e.length() + " characters; a "
              + "passphrase needs at least " + MIN_PASSPHRASE + "): make a strong one with: corral secret new");
        }
        key = e.getBytes(StandardCharsets.UTF_8);
        entryId = HexFormat.of().formatHex(hmac(key, "corral cluster id v1"), 0, 8);
      }
      if (id == null) {
        id = entryId;
      } else if (!id.equals(entryId)) {
        throw new IllegalArgumentException("the keys of a cluster secret belong to different clusters (ids " + id
            + " and " + entryId + "); make the next key with: corral secret rotate");
      }
      keys.add(new Key(key, passphrase));
    }
    if (keys.size() > MAX_KEYS) {
      throw new IllegalArgumentException("a cluster secret holds at most " + MAX_KEYS + " keys, got " + keys.size());
    }
    return new ClusterSecret(id, keys);
  }

  /** The text form: what {@code corral secret new} writes. */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    sb.append("# corral cluster secret: every member of the cluster needs it; keep it private (chmod 600).\n");
    if (keys.size() > 1) {
      sb.append("# The first line is the current key; the others are still accepted while a rotation rolls.\n");
    }
    for (Key k : keys) {
      if (k.passphrase()) {
        sb.append(new String(k.bytes(), StandardCharsets.UTF_8)).append('\n');
      } else {
        sb.append(TOKEN_PREFIX).append(clusterId).append(':')
            .append(Base64.getUrlEncoder().withoutPadding().encodeToString(k.bytes())).append('\n');
      }
    }
    return sb.toString();
  }

  /** Identifies the cluster (not secret: it names the Hazelcast cluster). */
  public String clusterId() {
    return clusterId;
  }

  /**
   * The Hazelcast cluster name of members holding this secret: {@code base} and a digest of the cluster id, so
   * clusters with different secrets never try to merge and an outsider cannot join by knowing the plain name.
   */
  public String clusterName(String base) {
    byte[] digest = sha256(("corral cluster name v1\0" + base + "\0" + clusterId).getBytes(StandardCharsets.UTF_8));
    return base + "-" + HexFormat.of().formatHex(digest, 0, 6);
  }

  /** How many keys this secret accepts (1 outside a rotation). */
  public int keyCount() {
    return keys.size();
  }

  /** The handshake keys, current first. The arrays are copies. */
  List<byte[]> handshakeKeys() {
    return handshakeKeys.stream().map(byte[]::clone).toList();
  }

  /** The grant-notice keys, current first. The arrays are copies. */
  List<byte[]> noticeKeys() {
    return noticeKeys.stream().map(byte[]::clone).toList();
  }

  @Override
  public String toString() {
    return "ClusterSecret[id=" + clusterId + ", keys=" + keys.size() + "]";
  }

  private static Key randomKey(SecureRandom random) {
    byte[] k = new byte[KEY_BYTES];
    random.nextBytes(k);
    return new Key(k, false);
  }

  static byte[] hmac(byte[] key, String label) {
    return hmac(key, label.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] hmac(byte[] key, byte[]... parts) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      for (byte[] p : parts) {
        mac.update(p);
      }
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
