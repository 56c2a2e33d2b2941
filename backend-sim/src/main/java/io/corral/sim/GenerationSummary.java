package io.corral.sim;

/**
 * What a finished generation produced and how long each phase took, for the final chunk or body.
 *
 * @param text the whole generated text (empty for streamed answers, whose chunks already carried it)
 * @param promptTokens tokens in the prompt
 * @param completionTokens tokens generated
 * @param slotId the slot that processed the request
 * @param loadNanos from arrival to taking a slot (Ollama counts queueing as load time)
 * @param promptEvalNanos from taking a slot to the first token
 * @param evalNanos from the first token to the last
 * @param totalNanos from arrival to the end
 */
record GenerationSummary(String text, int promptTokens, int completionTokens, int slotId, long loadNanos,
    long promptEvalNanos, long evalNanos, long totalNanos) {

  double promptMillis() {
    return promptEvalNanos / 1e6;
  }

  double evalMillis() {
    return evalNanos / 1e6;
  }
}
