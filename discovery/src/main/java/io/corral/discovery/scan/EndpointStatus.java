package io.corral.discovery.scan;

/** What the scanner concluded about an open port. */
public enum EndpointStatus {
  /** It answered like a known backend (Ollama, llama-server, or a generic OpenAI server). */
  BACKEND,
  /**
   * An rpc-server port that accepted a TCP connection. Nothing was sent to it (an rpc-server serves one client
   * and has died when a waiting client gave up), so what listens there is presumed, not known.
   */
  PRESUMED_RPC_SERVER,
  /** It answered with {@code X-Corral-Member}: a corral router, never to be registered as a backend. */
  CORRAL_MEMBER,
  /** It accepted the connection but answered like no known server, or not at all within the probe timeout. */
  UNKNOWN
}
