package io.corral.cluster.events;

/**
 * One state change, as published on the cluster's event stream.
 *
 * @param type        what happened: {@code backend_state}, {@code circuit_opened}, {@code circuit_closed},
 *                    {@code scan_finished}, {@code admin_backend_added}, ...
 * @param subject     what it happened to (a backend id, a scan number), or empty
 * @param detail      a short human-readable account
 * @param member      API URL of the member that saw it
 * @param atMillis    when (epoch ms)
 */
public record ClusterEvent(String type, String subject, String detail, String member, long atMillis) {}
