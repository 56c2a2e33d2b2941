package io.corral.sim;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * What one endpoint writes while and after generating: the framing and JSON shapes of one API flavour
 * (Ollama NDJSON, OpenAI SSE, llama-server's native SSE, or a single JSON body).
 *
 * <p>Called on the request's event loop only; implementations may keep per-request state (ids, timestamps).
 */
interface GenerationOutput {

  /** Sets the headers of a streamed response; they go out with the first chunk. */
  void prepareStream(HttpServerResponse response);

  /** The streamed chunk carrying token {@code index} (0-based). */
  Buffer tokenChunk(int index, String token);

  /** Everything a stream writes after its last token (final chunk, usage, {@code [DONE]}). */
  Buffer streamEnd(GenerationSummary summary);

  /** Sets the headers of a non-streamed response. */
  void prepareBody(HttpServerResponse response);

  /** The whole non-streamed body. */
  Buffer body(GenerationSummary summary);
}
