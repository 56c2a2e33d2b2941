package io.corral.dashboard;

import com.datadoghq.sketch.ddsketch.DDSketch;
import com.datadoghq.sketch.ddsketch.encoding.ByteArrayInput;
import com.datadoghq.sketch.ddsketch.encoding.GrowingByteArrayOutput;
import com.datadoghq.sketch.ddsketch.mapping.LogarithmicMapping;
import com.datadoghq.sketch.ddsketch.store.CollapsingLowestDenseStore;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;

/**
 * Latency percentiles that are right for a handful of samples as for millions: a DDSketch, whose every quantile is
 * within {@value #RELATIVE_ACCURACY} (relative) of a real sample, and which members' sketches merge into exactly
 * (percentiles of the whole cluster, never averages of members' percentiles). Values are in milliseconds.
 *
 * <p>Bounded: at most {@value #MAX_BINS} bins per sketch (1.04^1024 covers microseconds to hours at full accuracy;
 * past it the lowest bins merge), also when decoding what another member posted, whose encoded form is capped at
 * {@value #MAX_ENCODED_CHARS} characters.
 */
final class LatencySketch {

  static final double RELATIVE_ACCURACY = 0.02;
  static final int MAX_BINS = 1024;
  static final int MAX_ENCODED_CHARS = 16_384;

  private LatencySketch() {}

  static DDSketch empty() {
    return new DDSketch(new LogarithmicMapping(RELATIVE_ACCURACY), () -> new CollapsingLowestDenseStore(MAX_BINS));
  }

  /** The sketch's own compact encoding (not {@code serialize()}, the protobuf form, which {@code decode} does not read). */
  static String encode(DDSketch sketch) {
    GrowingByteArrayOutput out = GrowingByteArrayOutput.withDefaultInitialCapacity();
    try {
      sketch.encode(out, false);
    } catch (IOException cannot) {
      throw new UncheckedIOException(cannot); // an in-memory output does not fail
    }
    return Base64.getEncoder().encodeToString(out.trimmedCopy());
  }

  /** Merges an encoded sketch into {@code into}; false (and nothing merged) when it is missing or not one. */
  static boolean mergeEncoded(DDSketch into, String encoded) {
    if (encoded == null || encoded.length() > MAX_ENCODED_CHARS) {
      return false;
    }
    try {
      DDSketch read = DDSketch.decode(ByteArrayInput.wrap(Base64.getDecoder().decode(encoded)),
          () -> new CollapsingLowestDenseStore(MAX_BINS), new LogarithmicMapping(RELATIVE_ACCURACY));
      into.mergeWith(read);
      return true;
    } catch (Exception notASketch) {
      return false;
    }
  }

  /** p50, p95 and p99 in milliseconds (one decimal), null each when there is no sample. */
  static JsonObject percentiles(DDSketch sketch) {
    if (sketch.isEmpty()) {
      return new JsonObject().putNull("p50").putNull("p95").putNull("p99");
    }
    return new JsonObject().put("p50", round(sketch.getValueAtQuantile(0.5)))
        .put("p95", round(sketch.getValueAtQuantile(0.95))).put("p99", round(sketch.getValueAtQuantile(0.99)));
  }

  private static double round(double ms) {
    return Math.round(ms * 10) / 10.0;
  }
}
