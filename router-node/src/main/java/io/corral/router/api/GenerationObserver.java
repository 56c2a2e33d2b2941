package io.corral.router.api;

/** Where the measured generation speed of finished streams goes (the dashboard's traffic tap). */
@FunctionalInterface
public interface GenerationObserver {

  GenerationObserver NONE = (backendId, tokens, nanos) -> { };

  /**
   * One stream finished on {@code backendId}: {@code tokens} tokens came after its first one, over {@code nanos}.
   * Called on an event loop; must not block.
   */
  void generated(String backendId, long tokens, long nanos);
}
