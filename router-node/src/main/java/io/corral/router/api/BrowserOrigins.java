package io.corral.router.api;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.List;
import java.util.Set;

/**
 * Which web pages may call the APIs from a browser (CORS), as Ollama decides it: pages served from this machine
 * ({@code localhost}, {@code 127.0.0.1}, {@code [::1]}, {@code 0.0.0.0}, any port), desktop apps and editor
 * extensions ({@code app://}, {@code file://}, {@code tauri://}, {@code vscode-webview://}) and the origins the
 * operator lists ({@code --cors-origin}, like {@code OLLAMA_ORIGINS}; {@code *} for any). A page from any other
 * origin gets 403, so a site a user happens to visit cannot use the LAN's models through their browser.
 */
public final class BrowserOrigins {

  private static final String THIS_MACHINE =
      "https?://(localhost|127\\.0\\.0\\.1|\\[::1\\]|0\\.0\\.0\\.0)(:[0-9]+)?";
  /** Desktop apps and editor extensions, which Ollama lets in by default too. */
  private static final String LOCAL_APPS = "(app|file|tauri|vscode-webview|vscode-file)://.*";

  private BrowserOrigins() {
  }

  public static CorsHandler handler(List<String> configured) {
    CorsHandler cors = CorsHandler.create();
    if (configured.contains("*")) {
      cors.addOrigin("*");
    } else {
      cors.addOriginWithRegex(THIS_MACHINE);
      cors.addOriginWithRegex(LOCAL_APPS);
      configured.forEach(cors::addOrigin);
    }
    return cors.allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE, HttpMethod.HEAD))
        .allowedHeaders(Set.of("Content-Type", "Authorization", "Accept", "X-Priority", "X-Request-Id",
            "X-Corral-Strategy", "X-Corral-Session", "X-Corral-App", "X-Corral-Backend", "OpenAI-Organization",
            "OpenAI-Project", "X-Stainless-Lang", "X-Stainless-Package-Version", "X-Stainless-OS",
            "X-Stainless-Arch", "X-Stainless-Runtime", "X-Stainless-Runtime-Version", "X-Stainless-Retry-Count",
            "X-Stainless-Timeout"))
        .exposedHeaders(Set.of("X-Corral-Backend", "X-Corral-Member", "X-Corral-Queue-Ms", "X-Corral-Attempts",
            "X-Request-Id", "Retry-After"))
        .maxAgeSeconds(600);
  }
}
