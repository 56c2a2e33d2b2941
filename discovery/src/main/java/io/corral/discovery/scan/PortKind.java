package io.corral.discovery.scan;

import io.corral.cluster.backends.BackendKind;
import java.util.Locale;

/**
 * What a scanned port is expected to serve. The expectation only decides how the port is approached: rpc-server
 * ports get a bare TCP connect and nothing else; HTTP ports are fingerprinted, asking the expected protocol
 * first, and are recorded as whatever actually answers.
 */
public enum PortKind {
  OLLAMA(BackendKind.OLLAMA),
  LLAMA_SERVER(BackendKind.LLAMA_SERVER),
  OPENAI(BackendKind.OPENAI),
  RPC_SERVER(BackendKind.RPC_SERVER),
  /** No expectation: fingerprinted over HTTP in the default order. Never use it for a port an rpc-server may hold. */
  AUTO(null);

  private final BackendKind expected;

  PortKind(BackendKind expected) {
    this.expected = expected;
  }

  /** The name used in flags and logs ({@code ollama}, {@code llama-server}, {@code rpc-server}, {@code auto}, ...). */
  public String wireName() {
    return expected == null ? "auto" : expected.wireName();
  }

  /** The backend kind expected there, or null for {@link #AUTO}. */
  public BackendKind expected() {
    return expected;
  }

  /** Whether the port may be spoken to over HTTP; rpc-server ports must never receive a byte. */
  public boolean speaksHttp() {
    return this != RPC_SERVER;
  }

  /** The kind a bare port stands for: Ollama's, llama-server's and rpc-server's defaults, else {@link #AUTO}. */
  public static PortKind defaultFor(int port) {
    return switch (port) {
      case 11434 -> OLLAMA;
      case 8080 -> LLAMA_SERVER;
      case 50052 -> RPC_SERVER;
      default -> AUTO;
    };
  }

  /**
   * Parses {@code ollama}, {@code llama}, {@code llama-server}, {@code openai}, {@code rpc}, {@code rpc-server}
   * or {@code auto} (and the other spellings {@link BackendKind#parse} knows), case-insensitive.
   */
  public static PortKind parse(String text) {
    String name = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    if (name.equals("auto")) {
      return AUTO;
    }
    BackendKind kind;
    try {
      kind = BackendKind.parse(name);
    } catch (IllegalArgumentException e) {
      kind = BackendKind.UNKNOWN;
    }
    for (PortKind candidate : values()) {
      if (candidate.expected == kind) {
        return candidate;
      }
    }
    throw new IllegalArgumentException("unknown port kind '" + text
        + "' (allowed: ollama, llama, llama-server, openai, rpc, rpc-server, auto)");
  }
}
