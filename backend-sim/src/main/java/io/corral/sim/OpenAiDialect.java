package io.corral.sim;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How one server family speaks the OpenAI API: Ollama's middleware and llama-server differ in ids, fingerprints,
 * delta shapes, ownership and extra timing fields. One instance per backend (it numbers the response ids).
 */
final class OpenAiDialect {

  private final SimKind kind;
  private final String fingerprint;
  private final AtomicLong ids = new AtomicLong();
  // Keeps llama-server ids distinct across backends; ids never influence behaviour, so this is not flaky.
  private final String idSeed = UUID.randomUUID().toString();

  OpenAiDialect(SimKind kind, String version) {
    this.kind = kind;
    this.fingerprint = kind == SimKind.OLLAMA ? "fp_ollama" : version;
  }

  static final String SSE = "text/event-stream";

  SimKind kind() {
    return kind;
  }

  String systemFingerprint() {
    return fingerprint;
  }

  ApiFamily errors() {
    return kind == SimKind.OLLAMA ? ApiFamily.OLLAMA_OPENAI : ApiFamily.LLAMA_SERVER;
  }

  /** Ollama sends the role in every delta and closes with an empty assistant delta; llama-server does not. */
  boolean rolePerDelta() {
    return kind == SimKind.OLLAMA;
  }

  /** llama-server adds {@code timings} (milliseconds) to final answers. */
  boolean reportsTimings() {
    return kind == SimKind.LLAMA_SERVER;
  }

  /** Ollama: {@code chatcmpl-N} / {@code cmpl-N}; llama-server: {@code chatcmpl-} and 32 characters for both. */
  String nextId(boolean chat) {
    long n = ids.incrementAndGet();
    if (kind == SimKind.OLLAMA) {
      return (chat ? "chatcmpl-" : "cmpl-") + n;
    }
    return "chatcmpl-" + Embeddings.sha256Hex(idSeed + n).substring(0, 32);
  }

  /** Ollama's content type for JSON answers on {@code /v1}; llama-server adds a charset. */
  String jsonContentType() {
    return kind == SimKind.OLLAMA ? "application/json" : ApiFamily.JSON;
  }
}
