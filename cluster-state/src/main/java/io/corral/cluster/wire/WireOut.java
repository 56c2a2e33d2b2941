package io.corral.cluster.wire;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/** The fields of one {@link WireFrame}, written in a given version. Not thread-safe; one per frame. */
public final class WireOut {

  private final int version;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
  private final DataOutputStream data = new DataOutputStream(bytes);

  WireOut(int version) {
    this.version = version;
  }

  /** The version this frame is written in. */
  public int version() {
    return version;
  }

  /** Whether fields of {@code v} belong in this frame (they are written only then). */
  public boolean speaks(int v) {
    return version >= v;
  }

  public void writeInt(int v) throws IOException {
    data.writeInt(v);
  }

  public void writeLong(long v) throws IOException {
    data.writeLong(v);
  }

  public void writeBoolean(boolean v) throws IOException {
    data.writeBoolean(v);
  }

  /** UTF-8 with a length; null is kept apart from "" (length -1). */
  public void writeString(String s) throws IOException {
    if (s == null) {
      data.writeInt(-1);
      return;
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    data.writeInt(utf8.length);
    data.write(utf8);
  }

  public void writeStrings(Collection<String> list) throws IOException {
    data.writeInt(list.size());
    for (String s : list) {
      writeString(s);
    }
  }

  byte[] bytes() throws IOException {
    data.flush();
    return bytes.toByteArray();
  }
}
