package io.corral.router;

import java.nio.file.Files;
import java.nio.file.Path;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The system's headless Chromium driven by the system's chromedriver (Debian packages chromium and
 * chromium-driver; nothing is downloaded). Tests that need it skip where it is not installed.
 */
public final class HeadlessChromium {

  public static final Path CHROMIUM = Path.of(System.getProperty("corral.chromium", "/usr/bin/chromium"));
  public static final Path CHROMEDRIVER =
      Path.of(System.getProperty("corral.chromedriver", "/usr/bin/chromedriver"));
  public static final String MISSING = "needs " + CHROMIUM + " and " + CHROMEDRIVER
      + " (Debian packages chromium and chromium-driver)";

  private HeadlessChromium() {
  }

  public static boolean installed() {
    return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
  }

  public static WebDriver start() {
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1400,1900", "--no-first-run", "--disable-extensions");
    return new ChromeDriver(service, options);
  }
}
