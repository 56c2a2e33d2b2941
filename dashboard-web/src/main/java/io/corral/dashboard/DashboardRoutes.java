package io.corral.dashboard;

import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Mounts the dashboard under {@code /dashboard} on a member's API router. For now this is a placeholder page that
 * shows the live cluster view from {@code /api/cluster}; the leader-hosted, push-fed dashboard replaces it.
 */
public final class DashboardRoutes {

  private final String page;

  public DashboardRoutes() {
    try (InputStream in = DashboardRoutes.class.getResourceAsStream("placeholder.html")) {
      if (in == null) {
        throw new IllegalStateException("dashboard placeholder page missing from the jar");
      }
      page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void mount(Router router) {
    router.get("/dashboard").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "text/html; charset=utf-8").end(page));
    router.get("/dashboard/").handler(ctx -> ctx.redirect("/dashboard"));
  }
}
