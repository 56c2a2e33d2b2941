/**
 * Finding backends by scanning IPv4 ranges (the leader's discovery scan).
 *
 * <p>Parse what to scan with {@link io.corral.discovery.scan.ScanRange#parse} (CIDRs, refused past a size limit)
 * and {@link io.corral.discovery.scan.ScanPort#parseList} ({@code 11434:ollama,8080:llama,50052:rpc}), then run
 * {@link io.corral.discovery.scan.NetworkScanner#scan}: a {@link io.corral.discovery.scan.ScanReport} lists every
 * open port as a backend (with kind, version, models and slots), a presumed rpc-server (connected to, never
 * spoken to), a corral member (never a backend) or unknown. The scanner only reports; registering what it found,
 * and deciding when and on which member to scan, belong to its caller.
 */
package io.corral.discovery.scan;
