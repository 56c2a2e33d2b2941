package io.corral.router.protocol;

/**
 * The two API dialects a member speaks. Each has its own error body shape; every error a client sees is built
 * by {@link ApiErrors} in the shape of the family it called.
 */
public enum ApiFamily {
  /** Ollama's {@code /api/*}: errors are {@code {"error": "..."}}, chat/generate stream NDJSON by default. */
  OLLAMA,
  /** OpenAI's {@code /v1/*}: errors are {@code {"error": {"message", "type", "code"}}}, SSE only when asked. */
  OPENAI;

  /** The family a path belongs to: {@code /v1/...} is OpenAI, everything else answers like Ollama. */
  public static ApiFamily ofPath(String path) {
    return path != null && (path.equals("/v1") || path.startsWith("/v1/")) ? OPENAI : OLLAMA;
  }
}
