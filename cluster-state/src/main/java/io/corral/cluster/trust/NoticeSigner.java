package io.corral.cluster.trust;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and checks the direct grant notices members send each other by UDP: an HMAC-SHA256 (truncated to
 * {@value #TAG_BYTES} bytes) under the notice keys derived from the cluster secret. A notice carries one tag per key
 * the sender holds and counts when any of them is right under any key the receiver holds, so every pair of members
 * that meets during a rotation understands each other. Thread-safe (a {@link Mac} per thread and key).
 */
public final class NoticeSigner {

  public static final int TAG_BYTES = 16;

  private final List<ThreadLocal<Mac>> macs;

  public NoticeSigner(ClusterSecret secret) {
    this.macs = secret.noticeKeys().stream().map(NoticeSigner::macFor).toList();
  }

  private static ThreadLocal<Mac> macFor(byte[] key) {
    SecretKeySpec spec = new SecretKeySpec(key, "HmacSHA256");
    return ThreadLocal.withInitial(() -> {
      try {
        Mac m = Mac.getInstance("HmacSHA256");
        m.init(spec);
        return m;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
      }
    });
  }

  /** The tags of {@code payload}, one per key this secret holds. */
  public List<byte[]> sign(byte[] payload) {
    return macs.stream().map(m -> tag(m.get(), payload)).toList();
  }

  /** Whether one of {@code tags} is the tag of {@code payload} under a key of the secret (constant time per key). */
  public boolean verify(byte[] payload, List<byte[]> tags) {
    boolean ok = false;
    for (byte[] tag : tags) {
      if (tag.length != TAG_BYTES) {
        continue;
      }
      for (ThreadLocal<Mac> mac : macs) {
        ok |= MessageDigest.isEqual(tag, tag(mac.get(), payload));
      }
    }
    return ok;
  }

  private static byte[] tag(Mac mac, byte[] payload) {
    byte[] full = mac.doFinal(payload);
    byte[] t = new byte[TAG_BYTES];
    System.arraycopy(full, 0, t, 0, TAG_BYTES);
    return t;
  }
}
