package io.corral.cluster.backends;

import java.util.Locale;

/** What software a backend runs, as found by fingerprinting (never assumed from a port alone). */
public enum BackendKind {
  OLLAMA("ollama"),
  LLAMA_SERVER("llama-server"),
  RPC_SERVER("rpc-server"),
  OPENAI("openai"),
  UNKNOWN("unknown");

  private final String wireName;

  BackendKind(String wireName) {
    this.wireName = wireName;
  }

  /** The name used in config, JSON and logs. */
  public String wireName() {
    return wireName;
  }

  /** Whether Ollama's own API ({@code /api/*}) can be forwarded to this backend unchanged. */
  public boolean servesOllamaApi() {
    return this == OLLAMA;
  }

  /** Whether the OpenAI API ({@code /v1/*}) can be forwarded to this backend unchanged. */
  public boolean servesOpenAiApi() {
    return this == OLLAMA || this == LLAMA_SERVER || this == OPENAI;
  }

  /** Parses a wire name ({@code llama-server}, {@code llama}, {@code ollama}, ...), case-insensitive. */
  public static BackendKind parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    return switch (t) {
      case "ollama" -> OLLAMA;
      case "llama-server", "llama_server", "llama", "llamacpp", "llama.cpp" -> LLAMA_SERVER;
      case "rpc-server", "rpc_server", "rpc" -> RPC_SERVER;
      case "openai" -> OPENAI;
      case "unknown" -> UNKNOWN;
      default -> throw new IllegalArgumentException(
          "unknown backend kind '" + text + "' (allowed: ollama, llama-server, rpc-server, openai)");
    };
  }
}
