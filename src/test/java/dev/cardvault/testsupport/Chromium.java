package dev.cardvault.testsupport;

import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** Debian's chromium, headless, driven through chromedriver (the browser tests' one set-up). */
public final class Chromium {

    private Chromium() {
    }

    /** Whether both packages are installed; a test asks {@link SystemPackages#require} to report the skip. */
    public static boolean available() {
        return SystemPackages.which("chromium").isPresent() && SystemPackages.which("chromedriver").isPresent();
    }

    /** A headless browser with a window of this size, in {@code locale} (e.g. "en-GB"). */
    public static WebDriver start(int width, int height, String locale) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(SystemPackages.which("chromium").orElseThrow().toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=" + width + "," + height,
                "--disable-gpu", "--no-first-run", "--lang=" + locale);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(SystemPackages.which("chromedriver").orElseThrow().toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }
}
