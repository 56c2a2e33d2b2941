package io.corral.router.api;

import io.corral.cluster.admin.AdminTokens;
import io.corral.router.protocol.ApiErrors;
import io.corral.router.protocol.ApiFamily;
import io.vertx.ext.web.RoutingContext;

/**
 * Who may change the fleet: the holder of the cluster's admin token ({@link AdminTokens}), on every member alike,
 * for {@code /admin/*} and Ollama's model management ({@code pull}, {@code push}, {@code create}, {@code copy},
 * {@code delete}, {@code blobs}). Without a token in the cluster, a member whose API listens on loopback only lets
 * them through (like Ollama on 127.0.0.1); one that serves beyond loopback refuses them, naming the fix, rather than
 * leave the fleet open to the network. Thread-safe.
 */
public final class AdminAccess {

  private final AdminTokens tokens;
  private final boolean apiOnLoopback;

  /** @param apiOnLoopback whether this member's API is bound to a loopback address only */
  public AdminAccess(AdminTokens tokens, boolean apiOnLoopback) {
    this.tokens = tokens;
    this.apiOnLoopback = apiOnLoopback;
  }

  /** A route handler: lets the request on, or answers 401/403 in the Ollama error shape. */
  public void guard(RoutingContext ctx) {
    String refusal = refusal(ctx.request().getHeader("Authorization"));
    if (refusal == null) {
      ctx.next();
    } else {
      ApiErrors.send(ctx.response(), ApiFamily.OLLAMA, tokens.isSet() ? 401 : 403, refusal, "admin_refused");
    }
  }

  /** Why a call with this {@code Authorization} header is refused, or null when it may go on. */
  String refusal(String authorization) {
    if (tokens.isSet()) {
      String given = bearer(authorization);
      if (given.isEmpty()) {
        return "this call needs the cluster's admin token: Authorization: Bearer <token>";
      }
      return tokens.matches(given) ? null : "wrong admin token";
    }
    if (apiOnLoopback) {
      return null;
    }
    return "this member serves beyond loopback and the cluster has no admin token, so admin and model-management "
        + "calls are refused: start a member with CORRAL_ADMIN_TOKEN (or --admin-token-file), or set one with "
        + "POST /admin/token from the member's own machine";
  }

  /** Whether the cluster has an admin token. */
  public boolean tokenSet() {
    return tokens.isSet();
  }

  /** Whether {@code authorization} carries the cluster's token. */
  boolean proves(String authorization) {
    return tokens.isSet() && tokens.matches(bearer(authorization));
  }

  static String bearer(String header) {
    return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
  }
}
