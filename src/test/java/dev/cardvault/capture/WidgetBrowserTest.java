package dev.cardvault.capture;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

import com.sun.net.httpserver.HttpServer;

import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.Chromium;
import dev.cardvault.testsupport.SystemPackages;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The widget in real Chromium (Debian chromium + chromium-driver, headless): a host page on
 * another origin mounts it with CardVault.mount, a card is typed into the vault's frame, and the
 * host gets a token, never a digit. Screenshots of each state go to target/widget-screenshots.
 */
@QuarkusTest
class WidgetBrowserTest {

    private static final Path SHOTS = Path.of("target", "widget-screenshots");
    private static HttpServer host;
    private static final Map<String, String> PAGES = new ConcurrentHashMap<>();
    private static WebDriver driver;

    @TestHTTPResource("/")
    URL vault;

    @BeforeEach
    void needsChromium() {
        SystemPackages.require("chromium chromium-driver", "chromium", "chromedriver"); // each test reports the skip
    }

    @BeforeAll
    static void start() throws IOException {
        if (!Chromium.available()) {
            return;
        }
        host = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        host.createContext("/", exchange -> {
            String page = PAGES.get(exchange.getRequestURI().getPath());
            byte[] body = (page == null ? "not found" : page).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(page == null ? 404 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        host.start();
        driver = Chromium.start(720, 720, "en-GB");
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (host != null) {
            host.stop(0);
        }
    }

    private String hostOrigin() {
        return "http://127.0.0.1:" + host.getAddress().getPort();
    }

    private String vaultOrigin() {
        return vault.getProtocol() + "://" + vault.getHost() + ":" + vault.getPort();
    }

    /** Opens a session for these origins and a host page (on the host origin) that mounts it; returns the session. */
    private Response openAndHost(String path, String locale, String... origins) {
        return openAndHostChannel(path, "WEB", locale, origins);
    }

    private Response openAndHostChannel(String path, String channel, String locale, String... origins) {
        Response r = given().header("Authorization", Api.agent("widget")).contentType("application/json")
                .body(new JsonObject().put("channel", channel).put("allowedOrigins", new JsonArray(List.of((Object[]) origins)))
                        .put("locale", locale).put("metadata", new JsonObject().put("orderRef", "W-1")).encode())
                .post("/v1/capture-sessions");
        r.then().statusCode(201);
        PAGES.put(path, "<!DOCTYPE html><html><head><title>Agent desktop</title></head><body>"
                + "<h1>Agent desktop (another origin)</h1><div id=\"payment\"></div>"
                + "<script src=\"" + vaultOrigin() + "/widget/v1/cardvault.js\"></script>"
                + "<script>window.__messages = []; window.__changes = []; window.__token = null; window.__error = null;"
                + "window.__ready = false;"
                + "window.addEventListener('message', function (e) { window.__messages.push(JSON.stringify(e.data)); });"
                + "window.widget = CardVault.mount(document.getElementById('payment'), {sessionId: '" + r.path("id")
                + "', clientSecret: '" + r.path("clientSecret") + "', locale: '" + locale + "',"
                + " onChange: function (s) { window.__changes.push(JSON.stringify(s)); },"
                + " onToken: function (t) { window.__token = t; }, onError: function (e) { window.__error = e; },"
                + " onReady: function () { window.__ready = true; }});</script></body></html>");
        driver.get(hostOrigin() + path);
        return r;
    }

    private Object js(String script) {
        return ((JavascriptExecutor) driver).executeScript(script);
    }

    private void await(String what, String condition) {
        new WebDriverWait(driver, Duration.ofSeconds(15)).withMessage(what).until(d -> Boolean.TRUE.equals(js("return " + condition)));
    }

    /** A screenshot of the whole host page, frame included; then back into the frame. */
    private void shot(String name) throws IOException {
        driver.switchTo().defaultContent();
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        driver.switchTo().frame(driver.findElement(By.tagName("iframe")));
    }

    private static String nextYear() {
        return String.valueOf((YearMonth.now(ZoneOffset.UTC).getYear() + 2) % 100);
    }

    /** Everything the host page holds or was told: its DOM, what it recorded of the messages and callbacks. */
    private String hostView() {
        driver.switchTo().defaultContent();
        return driver.getPageSource() + js("return JSON.stringify([window.__messages, window.__changes, window.__token, window.__error])");
    }

    private static void assertNoCard(String text, String pan) {
        String spaced = pan.replaceAll("(\\d{4})(?=\\d)", "$1 ");
        assertFalse(text.contains(pan) || text.contains(spaced) || text.contains(pan.substring(0, 12)),
                "the host page saw the card's digits"); // the digits themselves never go into a message
    }

    @Test
    void cardTypedInTheFrame_givesTheHostAToken_andNeverADigit() throws Exception {
        Response session = openAndHost("/desk.html", "en", hostOrigin());
        await("the frame greets the host", "window.__ready");
        assertNull(js("try { return document.querySelector('iframe').contentDocument; } catch (e) { return null; }"),
                "the host can reach into the frame");
        driver.switchTo().frame(driver.findElement(By.tagName("iframe")));
        shot("empty");
        String pan = TestCards.randomVisa();
        WebElement number = driver.findElement(By.id("pan"));
        number.sendKeys(pan);
        assertEquals(pan.replaceAll("(\\d{4})(?=\\d)", "$1 "), number.getAttribute("value"), "grouped as typed");
        assertEquals("Visa", driver.findElement(By.id("brand")).getText());
        driver.findElement(By.id("exp")).sendKeys("12" + nextYear());
        driver.findElement(By.id("name")).sendKeys("Mario Rossi");
        assertTrue(number.getAttribute("value").startsWith("•••• ") && number.getAttribute("value").endsWith(pan.substring(12)),
                "masked once complete and left");
        shot("filled-masked");
        assertNoCard(hostView(), pan);
        driver.switchTo().frame(driver.findElement(By.tagName("iframe")));
        driver.findElement(By.id("name")).sendKeys("\n"); // Enter submits
        driver.switchTo().defaultContent();
        await("the host gets a token", "window.__token !== null");
        @SuppressWarnings("unchecked")
        Map<String, Object> token = (Map<String, Object>) js("return window.__token");
        assertTrue(String.valueOf(token.get("token")).startsWith("tok_"), token.toString());
        assertEquals(pan.substring(12), token.get("last4"));
        assertEquals("VISA", token.get("brand"));
        driver.switchTo().frame(driver.findElement(By.tagName("iframe")));
        new WebDriverWait(driver, Duration.ofSeconds(5)).until(d -> !d.findElement(By.id("status")).getText().isEmpty());
        shot("done");
        String hostSaw = hostView();
        assertNoCard(hostSaw, pan);
        assertEquals(Boolean.TRUE, js("return window.__changes.map(JSON.parse).some(function (c) { return c.complete && c.valid "
                + "&& c.brand === 'VISA' && c.empty === false; })"), "onChange described the whole form");
        assertEquals(Boolean.TRUE, js("return window.__changes.map(JSON.parse).every(function (c) { "
                + "return Object.keys(c).sort().join() === 'brand,complete,empty,valid'; })"), "onChange carries only the four fields");
        given().header("Authorization", Api.agent("widget")).get("/v1/capture-sessions/" + session.path("id")).then().statusCode(200)
                .body("state", org.hamcrest.Matchers.equalTo("COMPLETED"))
                .body("result.token", org.hamcrest.Matchers.equalTo(token.get("token")));
    }

    @Test
    void invalidCard_showsAnErrorInTheFrame_andStoresNothing() throws Exception {
        Response session = openAndHost("/invalid.html", "it", hostOrigin());
        await("the frame greets the host", "window.__ready");
        driver.switchTo().frame(driver.findElement(By.tagName("iframe")));
        String pan = TestCards.randomVisa();
        String bad = pan.substring(0, 15) + (char) ('0' + (pan.charAt(15) - '0' + 1) % 10);
        driver.findElement(By.id("pan")).sendKeys(bad);
        assertTrue(driver.findElement(By.id("pan-error")).getText().contains("non è valido"), "Luhn feedback as you type");
        driver.findElement(By.id("exp")).sendKeys("12" + nextYear());
        driver.switchTo().defaultContent();
        js("window.widget.submit()"); // the host's own button
        driver.switchTo().frame(driver.findElement(By.tagName("iframe")));
        String error = driver.findElement(By.id("pan-error")).getText();
        assertTrue(error.contains("non è valido"), "an Italian error in the frame: " + error);
        assertEquals("true", driver.findElement(By.id("pan")).getAttribute("aria-invalid"));
        shot("error");
        driver.switchTo().defaultContent();
        await("the host hears of the error", "window.__error !== null");
        assertNoCard(hostView(), bad);
        given().header("Authorization", Api.agent("widget")).get("/v1/capture-sessions/" + session.path("id")).then()
                .body("state", org.hamcrest.Matchers.equalTo("OPEN")).body("result", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void aHostOriginTheSessionDoesNotAllow_cannotDisplayTheFrame() throws Exception {
        openAndHost("/intruder.html", "en", "https://desk.example");
        Thread.sleep(1500); // time for the frame to load, were it allowed
        assertEquals(Boolean.FALSE, js("return window.__ready"));
        driver.switchTo().frame(driver.findElement(By.tagName("iframe")));
        assertTrue(driver.findElements(By.id("pan")).isEmpty(), "the frame rendered for an origin it does not allow");
        driver.switchTo().defaultContent();
        assertEquals(0L, js("return window.__messages.length"));
    }

    @Test
    void aPhoneSession_showsTheAgentTheKeyedProgress_maskedInTheSameWidget() throws Exception {
        Response session = openAndHostChannel("/phone.html", "PHONE", "en", hostOrigin());
        String id = session.path("id");
        await("the frame greets the host", "window.__ready");
        String pan = TestCards.randomVisa();
        String telephony = Api.bearer("ivr", "widget", "telephony");
        java.util.function.BiConsumer<String, Long> press = (keys, seq) -> given().header("Authorization", telephony)
                .contentType("application/json").body(new JsonObject().put("keys", keys).put("seq", seq).encode())
                .post("/v1/capture-sessions/" + id + "/keys").then().statusCode(200);
        press.accept(pan.substring(0, 6), 1L);
        driver.switchTo().frame(driver.findElement(By.tagName("iframe")));
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> d.findElement(By.id("pan-progress")).getText().startsWith("•••• ••_"));
        assertEquals("VISA", driver.findElement(By.id("brand")).getText());
        shot("phone-progress");
        press.accept(pan.substring(6) + "#", 2L);
        press.accept("12" + nextYear() + "#", 3L);
        driver.switchTo().defaultContent();
        await("the host gets the token of the keyed card", "window.__token !== null");
        @SuppressWarnings("unchecked")
        Map<String, Object> token = (Map<String, Object>) js("return window.__token");
        assertEquals(pan.substring(12), token.get("last4"));
        driver.switchTo().frame(driver.findElement(By.tagName("iframe")));
        assertEquals("•••• •••• •••• " + pan.substring(12), driver.findElement(By.id("pan-progress")).getText());
        assertEquals("✓", driver.findElement(By.id("pan-tick")).getText());
        shot("phone-done");
        assertNoCard(hostView(), pan);
    }
}
