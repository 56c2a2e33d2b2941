package io.corral.sim;

/** Which real server a {@link SimulatedBackend} imitates on the wire. */
public enum SimKind {
  /** Ollama 0.12.x: the native {@code /api/*} API plus its built-in OpenAI API under {@code /v1/*}. */
  OLLAMA,
  /** llama.cpp {@code llama-server}: one model, {@code /health}, {@code /props}, {@code /slots}, {@code /metrics}, {@code /v1/*}. */
  LLAMA_SERVER
}
