package io.corral.cluster.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields of one {@link WireFrame} as written. Reads past the block's end, and lengths larger than what is left
 * of it, fail with an {@link IOException} instead of allocating what a corrupt length asks for.
 */
public final class WireIn {

  private final int version;
  private final ByteBuffer block;

  WireIn(int version, byte[] block) {
    this.version = version;
    this.block = ByteBuffer.wrap(block);
  }

  /** The version the frame was written in. */
  public int version() {
    return version;
  }

  /** Whether the frame holds the fields of {@code v} (written by a member that used it). */
  public boolean has(int v) {
    return version >= v;
  }

  public int readInt() throws IOException {
    need(4);
    return block.getInt();
  }

  public long readLong() throws IOException {
    need(8);
    return block.getLong();
  }

  public boolean readBoolean() throws IOException {
    need(1);
    return block.get() != 0;
  }

  public String readString() throws IOException {
    int n = readInt();
    if (n == -1) {
      return null;
    }
    if (n < 0) {
      throw new IOException("corral wire frame: negative string length " + n);
    }
    need(n);
    String s = new String(block.array(), block.arrayOffset() + block.position(), n, StandardCharsets.UTF_8);
    block.position(block.position() + n);
    return s;
  }

  /** A list written by {@link WireOut#writeStrings}; each element takes at least 4 bytes, which bounds the count. */
  public List<String> readStrings() throws IOException {
    int n = count(4);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(readString());
    }
    return out;
  }

  /**
   * A count of elements that take at least {@code minBytesEach} each; one larger than the rest of the block can
   * hold is refused before anything is allocated for it.
   */
  public int count(int minBytesEach) throws IOException {
    int n = readInt();
    if (n < 0 || (long) n * minBytesEach > block.remaining()) {
      throw new IOException("corral wire frame: count " + n + " does not fit the " + block.remaining()
          + " bytes left");
    }
    return n;
  }

  private void need(int n) throws IOException {
    if (block.remaining() < n) {
      throw new IOException("corral wire frame cut short: " + n + " bytes needed, " + block.remaining() + " left");
    }
  }
}
