package io.corral.cluster.wire;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import java.io.IOException;
import java.io.InputStream;

/**
 * The envelope of every identified value and operation corral sends between members: the version it was written
 * in, then its fields as one length-prefixed block. The length lets a reader of an older build take the fields it
 * knows and skip the ones a newer build added after them; the version tells a newer reader which fields are there.
 * The body is written into its own buffer first (one copy; ledger operations are a few hundred bytes).
 */
public final class WireFrame {

  /** Writes a body. */
  @FunctionalInterface
  public interface Body {
    void writeTo(WireOut out) throws IOException;
  }

  /** Reads a body. */
  @FunctionalInterface
  public interface Reader {
    void readFrom(WireIn in) throws IOException;
  }

  /** Far above any ledger (10,000 conversations and a full queue are a few MB); a longer claim is corrupt. */
  static final int MAX_BODY_BYTES = 64 << 20;

  private WireFrame() {}

  /** Writes {@code body} in {@code version} (which must be one this build knows). */
  public static void write(ObjectDataOutput out, int version, Body body) throws IOException {
    WireOut w = new WireOut(WireVersion.checked(version));
    body.writeTo(w);
    out.writeByte(version);
    out.writeByteArray(w.bytes());
  }

  /**
   * Reads a frame: {@code reader} sees the version it was written in ({@link WireIn#has}); fields after the ones
   * it reads are skipped.
   *
   * @throws IOException when the frame is not one (no version, a cut block)
   */
  public static void read(ObjectDataInput in, Reader reader) throws IOException {
    int version = in.readByte();
    if (version < WireVersion.V1) {
      throw new IOException("not a corral wire frame (version " + version + ")");
    }
    // the length as ObjectDataOutput.writeByteArray wrote it, checked before allocating (readByteArray would
    // allocate whatever a corrupt length says)
    int length = in.readInt();
    if (length < 0) {
      throw new IOException("corral wire frame without a body");
    }
    if (length > MAX_BODY_BYTES || (in instanceof InputStream stream && length > stream.available())) {
      throw new IOException("corral wire frame claims " + length + " bytes, more than it holds");
    }
    byte[] block = new byte[length];
    in.readFully(block);
    reader.readFrom(new WireIn(version, block));
  }
}
