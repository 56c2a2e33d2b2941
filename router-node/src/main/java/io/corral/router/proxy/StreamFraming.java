package io.corral.router.proxy;

import io.corral.router.protocol.ApiErrors;
import io.corral.router.protocol.ApiFamily;
import io.vertx.core.buffer.Buffer;
import java.util.Locale;

/**
 * How to end a stream that already started with an error the client's library understands: Ollama streams are
 * NDJSON and end with a line {@code {"error": "..."}}; OpenAI streams are SSE and end with
 * {@code data: {"error": {...}}} and no {@code [DONE]}. Anything else cannot carry an error after its headers and
 * is cut off.
 */
enum StreamFraming {
  NDJSON,
  SSE,
  OTHER;

  static StreamFraming of(String contentType) {
    String ct = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    if (ct.startsWith("text/event-stream")) {
      return SSE;
    }
    if (ct.startsWith("application/x-ndjson") || ct.startsWith("application/jsonl")) {
      return NDJSON;
    }
    return OTHER;
  }

  /**
   * How many records (NDJSON lines, SSE events) end in this chunk: streamed records are one token each for
   * Ollama and llama-server, so counting them measures generation speed without parsing the JSON.
   */
  int recordsIn(Buffer chunk) {
    if (this == OTHER) {
      return 0;
    }
    int n = 0;
    int len = chunk.length();
    for (int i = 0; i < len; i++) {
      if (chunk.getByte(i) == '\n' && (this == NDJSON || i > 0 && chunk.getByte(i - 1) == '\n')) {
        n++;
      }
    }
    return n;
  }

  /** Records that close a stream and carry no token: Ollama's {@code "done"} line; OpenAI's finish chunk and
   * {@code [DONE]}. */
  int closingRecords() {
    return switch (this) {
      case NDJSON -> 1;
      case SSE -> 2;
      case OTHER -> 0;
    };
  }

  /**
   * The error record in this framing, or null when the framing cannot carry one.
   *
   * @param atLineStart whether the bytes sent so far end with a newline (else one is added first, so the error
   *                    is a record of its own and not glued to a partial one)
   */
  Buffer errorRecord(String message, boolean atLineStart) {
    String sep = atLineStart ? "" : "\n";
    return switch (this) {
      case NDJSON -> Buffer.buffer(sep + ApiErrors.body(ApiFamily.OLLAMA, 502, message, null).encode() + "\n");
      case SSE -> Buffer.buffer(sep + "data: "
          + ApiErrors.body(ApiFamily.OPENAI, 502, message, "backend_error").encode() + "\n\n");
      case OTHER -> null;
    };
  }
}
