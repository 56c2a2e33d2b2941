package io.corral.router.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What the operator's CLI asks of a running member: its cluster view and the admin calls. Blocking on purpose: it
 * runs in a short-lived command, never inside a member.
 */
final class MemberClient {

  /** A member could not be asked, or answered with an error; the message says which and how to fix it. */
  static final class MemberCallFailed extends RuntimeException {
    MemberCallFailed(String message) {
      super(message, null, false, false);
    }
  }

  /** An admin call's answer: the status and the member's message ({@code status} or {@code error}). */
  record AdminAnswer(int status, String message) {
    boolean ok() {
      return status / 100 == 2;
    }
  }

  private final URI member;
  private final Duration timeout;
  private final HttpClient http;

  MemberClient(URI member, Duration timeout) {
    this.member = member;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  URI member() {
    return member;
  }

  /** {@code GET /api/cluster}: the members, the leader and every backend with its load. */
  JsonObject cluster() {
    HttpResponse<String> resp = send(HttpRequest.newBuilder(member.resolve("/api/cluster")).GET());
    if (resp.statusCode() != 200) {
      throw new MemberCallFailed(member + "/api/cluster answered " + resp.statusCode() + ": " + abbreviate(
          resp.body()));
    }
    try {
      return new JsonObject(resp.body());
    } catch (DecodeException e) {
      throw new MemberCallFailed(member + " is not a corral member: /api/cluster did not answer JSON. Fix: give "
          + "a member's API URL with --member (default port 8000).");
    }
  }

  /** {@code POST /admin/backends/{id}/{action}}, with the admin token when one is given. */
  AdminAnswer admin(String backendId, String action, String token) {
    String path = "/admin/backends/" + URLEncoder.encode(backendId, StandardCharsets.UTF_8) + "/" + action;
    HttpRequest.Builder req = HttpRequest.newBuilder(member.resolve(path)).POST(HttpRequest.BodyPublishers.noBody());
    if (token != null && !token.isBlank()) {
      req.header("Authorization", "Bearer " + token.trim());
    }
    HttpResponse<String> resp = send(req);
    String message;
    try {
      JsonObject body = new JsonObject(resp.body());
      message = body.getString("error", body.getString("status", resp.body()));
    } catch (DecodeException | ClassCastException e) {
      message = abbreviate(resp.body());
    }
    return new AdminAnswer(resp.statusCode(), message);
  }

  private HttpResponse<String> send(HttpRequest.Builder req) {
    HttpRequest request = req.timeout(timeout).build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new MemberCallFailed("no corral member answers at " + member + " (" + describe(e) + "). Fix: start "
          + "one ('scripts/corral-ctl start') or give its API URL with --member / CORRAL_MEMBER.");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new MemberCallFailed("interrupted while asking " + request.uri());
    }
  }

  private static String describe(IOException e) {
    String msg = e.getMessage();
    return msg == null || msg.isBlank() ? e.getClass().getSimpleName() : msg;
  }

  private static String abbreviate(String text) {
    String oneLine = text == null ? "" : text.replaceAll("\\s+", " ").trim();
    return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
  }
}
