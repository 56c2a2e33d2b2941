package io.corral.cluster.ledger;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sticky routing's memory: which backend each conversation's last turn ran on, for the {@value #MAX} most recently
 * used conversations (the least recently used is forgotten first). Only keys are kept (a digest, or the client's
 * {@code X-Corral-Session}), never prompt text.
 *
 * <p>Part of a {@link PoolLedger}: not thread-safe, changed only on the key's partition thread. Looking a
 * conversation up counts as using it, on every replica alike, so the order stays deterministic.
 */
final class Conversations {

  static final int MAX = 10_000;

  private final LinkedHashMap<String, String> lastBackend = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > MAX;
    }
  };

  /** The backend {@code c}'s last turn ran on, or null. */
  String lastBackendOf(Conversation c) {
    return lastBackend.get(c.key());
  }

  void remember(Conversation c, String backendId) {
    if (!c.isNone()) {
      lastBackend.put(c.key(), backendId);
    }
  }

  /** Least recently used first: the order a copy must be rebuilt in. */
  Iterable<Map.Entry<String, String>> inUseOrder() {
    return lastBackend.entrySet();
  }

  int size() {
    return lastBackend.size();
  }

  /** One entry of another member's copy, read in its use order. */
  void restore(String key, String backendId) {
    lastBackend.put(key, backendId);
  }
}
