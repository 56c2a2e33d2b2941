package io.corral.cluster;

/**
 * One member as every member sees it.
 *
 * @param id              Hazelcast member UUID
 * @param address         Hazelcast address {@code host:port}
 * @param name            display name
 * @param apiUrl          the member's HTTP API
 * @param startedAtMillis wall-clock start (display only)
 * @param leader          whether this member currently leads
 * @param self            whether this is the member answering
 * @param wireVersion     the newest member-to-member format version its build speaks
 */
public record MemberView(String id, String address, String name, String apiUrl, long startedAtMillis,
    boolean leader, boolean self, int wireVersion) {}
