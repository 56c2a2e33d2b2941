package io.corral.cluster.ledger;

import java.util.Objects;

/**
 * Which conversation a request continues, for sticky routing: a backend that served a conversation still holds
 * its prompt in its KV cache (llama-server per slot, Ollama per loaded runner), so the next turn there skips most
 * of the prompt processing. The ledger remembers, cluster-wide, the backend each conversation last ran on.
 *
 * @param key    identifies the conversation ({@code ""}: none, nothing is remembered)
 * @param prefer whether to prefer the remembered backend when it has a free slot; false still records where the
 *               request ran (a first turn has nothing to return to)
 */
public record Conversation(String key, boolean prefer) {

  /** A request that belongs to no conversation. */
  public static final Conversation NONE = new Conversation("", false);

  public Conversation {
    Objects.requireNonNull(key, "key");
  }

  public boolean isNone() {
    return key.isEmpty();
  }
}
