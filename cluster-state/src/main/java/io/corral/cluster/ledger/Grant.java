package io.corral.cluster.ledger;

/**
 * A slot the ledger gave to a waiting ticket. The member holding the ticket's connection must be told.
 *
 * @param ticketId the ticket, which is now also the lease id
 * @param memberId the member holding the request
 * @param backendId the backend granted
 */
public record Grant(String ticketId, String memberId, String backendId) {}
