/**
 * Simulated LLM backends that speak the real wire protocols of Ollama 0.12.x and llama.cpp's llama-server.
 *
 * <p>Start one with {@link io.corral.sim.SimulatedBackend#start} (or several with {@link io.corral.sim.SimFleet})
 * and point any client at its URL: paths, JSON bodies, content types, NDJSON and SSE framing and status codes
 * are those of the real servers. Each backend has a fixed number of slots with a FIFO behind them, generates
 * the deterministic text {@code "tok0 tok1 ..."} at a configurable pace, and injects faults on demand
 * ({@link io.corral.sim.SimFaults}): failures with the API's own error body, stalled streams, connection resets
 * and slow first tokens. {@link io.corral.sim.SimStats} reports the load, including the highest concurrency ever
 * seen, so tests can prove that a router never over-subscribed a backend. Other processes drive the same
 * switches over HTTP under {@code /_sim/} (the {@code corral sim} command runs them as a process).
 *
 * <p>What a "chunk" is, the counting rules of the statistics and the thread-safety of each type are described
 * on the types themselves. Everything outside the public types here is implementation.
 */
package io.corral.sim;
