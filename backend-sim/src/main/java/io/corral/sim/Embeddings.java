package io.corral.sim;

import io.vertx.core.json.JsonArray;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Deterministic unit-length embedding vectors derived from the input text (same text, same vector). */
final class Embeddings {

  static final int DIMENSIONS = 8;

  private Embeddings() {}

  static JsonArray vector(String input) {
    byte[] hash = sha256(input == null ? "" : input);
    float[] v = new float[DIMENSIONS];
    double norm = 0;
    for (int i = 0; i < DIMENSIONS; i++) {
      int raw = ((hash[2 * i] & 0xff) << 8) | (hash[2 * i + 1] & 0xff);
      v[i] = raw / 32767.5f - 1f;
      norm += v[i] * v[i];
    }
    double scale = norm == 0 ? 0 : 1 / Math.sqrt(norm);
    JsonArray out = new JsonArray();
    for (float x : v) {
      out.add((float) (x * scale));
    }
    return out;
  }

  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM ships SHA-256", e);
    }
  }

  static String sha256Hex(String text) {
    StringBuilder s = new StringBuilder(64);
    for (byte b : sha256(text)) {
      s.append(String.format("%02x", b));
    }
    return s.toString();
  }
}
