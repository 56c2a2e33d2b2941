package io.corral.cluster.ledger;

/**
 * A slot the ledger gave to a waiting ticket. The member holding the ticket's connection must be told.
 *
 * @param ticketId the ticket, which is now also the lease id
 * @param memberId the member holding the request
 * @param backendId the backend granted
 * @param notifyTo where that member takes direct grant notices ({@code host:port}), or "" (topic only)
 */
public record Grant(String ticketId, String memberId, String backendId, String notifyTo) {

  /** A grant told on the grant topic only. */
  public Grant(String ticketId, String memberId, String backendId) {
    this(ticketId, memberId, backendId, "");
  }

  public Grant {
    notifyTo = notifyTo == null ? "" : notifyTo;
  }
}
