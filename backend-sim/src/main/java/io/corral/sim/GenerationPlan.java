package io.corral.sim;

/**
 * What a generation request asks for, once its API-specific body is parsed.
 *
 * @param stream whether the answer is streamed chunk by chunk
 * @param tokens how many tokens to generate (0 for embeddings: the answer is one body)
 * @param promptTokens how many tokens the prompt counts
 */
record GenerationPlan(boolean stream, int tokens, int promptTokens) {

  GenerationPlan {
    if (tokens < 0 || promptTokens < 0) {
      throw new IllegalArgumentException("token counts must be >= 0");
    }
  }
}
