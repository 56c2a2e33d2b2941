/**
 * rpc-servers (llama.cpp {@code ggml-rpc-server}) and the coordinators that use them.
 *
 * <p>{@link io.corral.discovery.rpc.CoordinatorDetector} finds the llama-server processes on this host and parses
 * their {@code --rpc} lists (blocking: run it through {@code executeBlocking}, or call
 * {@link io.corral.discovery.rpc.CoordinatorDetector#detect(io.vertx.core.Vertx)});
 * {@link io.corral.discovery.rpc.PsListing} reads the same from {@code ps} output. {@link
 * io.corral.discovery.rpc.RpcServerDirectory#merge} merges sightings from every source in the documented priority
 * order (running coordinator > backends file > scan > cached state) into one entry per address, and names the
 * rpc-servers in use, which nothing in corral may probe: an rpc-server serves one client at a time and has died
 * when a waiting client gave up.
 */
package io.corral.discovery.rpc;
