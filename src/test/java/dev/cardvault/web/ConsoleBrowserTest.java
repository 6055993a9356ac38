package dev.cardvault.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

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

import dev.cardvault.keys.RewrapJob;
import dev.cardvault.keys.Rotation;
import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.AuditTrail;
import dev.cardvault.testsupport.Chromium;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.SystemPackages;
import dev.cardvault.testsupport.TestCards;
import dev.cardvault.testsupport.TestJwt;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The security console (/console) in real Chromium, as each of its users: a key custodian approves
 * a rotation another custodian requested and watches the rewrap reach 100 %; an auditor watches the
 * trail's verification turn invalid after a tampering; a privacy officer erases a card and gets a
 * signed receipt. The page never holds a card number. Screenshots go to target/console-screenshots.
 */
@QuarkusTest
class ConsoleBrowserTest {

    private static final Path SHOTS = Path.of("target", "console-screenshots");
    private static WebDriver driver;
    private final List<String> cards = new ArrayList<>();

    @TestHTTPResource("/console")
    URL console;

    @Inject
    RewrapJob rewrap;

    @BeforeEach
    void needsChromium() {
        SystemPackages.require("chromium chromium-driver", "chromium", "chromedriver");
    }

    @BeforeAll
    static void start() throws IOException {
        if (!Chromium.available()) {
            return;
        }
        driver = Chromium.start(1100, 1400, "en-GB");
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    private void await(String what, String condition) {
        new WebDriverWait(driver, Duration.ofSeconds(20)).withMessage(what).until(d -> Boolean.TRUE.equals(js("return " + condition)));
    }

    private void shot(String name) throws IOException {
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    /** Opens the console and signs in with a fresh token of {@code subject}. */
    private void signIn(String subject, String tenant, String... roles) {
        driver.get(console.toString());
        await("the console loads", "document.getElementById('use') !== null && document.getElementById('seal').textContent !== ''");
        driver.findElement(By.id("jwt")).sendKeys(TestJwt.as(subject).roles(roles).tenant(tenant).mint());
        driver.findElement(By.id("use")).click();
        await("signed in", "!document.getElementById('signed-in').hidden");
        assertEquals("", driver.findElement(By.id("jwt")).getAttribute("value"), "the pasted token stays in the field");
    }

    /** Everything the page holds: its DOM and the values of its fields. None of the test's cards may be in it. */
    private void assertNoCardInPage() {
        String page = (String) js("return document.documentElement.outerHTML + ' ' + Array.from(document.querySelectorAll('input, textarea'))"
                + ".map(function (e) { return e.value; }).join(' ')");
        for (String pan : cards) {
            String spaced = pan.replaceAll("(\\d{4})(?=\\d)", "$1 ");
            assertFalse(page.contains(pan) || page.contains(spaced) || page.contains(pan.substring(0, 12)),
                    "the console's page holds a card number"); // never the digits themselves in a message
        }
    }

    private String card() {
        String pan = TestCards.randomVisa();
        cards.add(pan);
        return pan;
    }

    @Test
    void custodian_approvesARotationAnotherCustodianRequested_andSeesTheRewrapReach100() throws Exception {
        for (int i = 0; i < 30; i++) { // several data keys (a key rolls over every 12 cards in tests) for the rewrap to move
            Api.tokenized("console-keys", Api.card(card()));
        }
        String id = given().header("Authorization", Api.bearer("cora-custodian", "platform", "key-custodian"))
                .contentType("application/json").body("{\"reason\": \"Console test: yearly rotation\"}")
                .post("/v1/keys/rotations").then().statusCode(202).extract().path("id");
        String card = "document.querySelector('[data-rotation-id=\"" + id + "\"]')";

        signIn("cora-custodian", "platform", "key-custodian");
        await("the requester sees her rotation", card + " !== null");
        WebElement own = driver.findElement(By.cssSelector("[data-rotation-id='" + id + "'] button"));
        assertFalse(own.isEnabled(), "the requester may approve her own rotation");
        assertTrue(driver.findElement(By.id("why-" + id)).getText().contains("dual control"), "the disabled button does not say why");
        assertTrue((Boolean) js("return document.getElementById('seal').getAttribute('data-sealed') === 'false'"));
        shot("custodian-requester");

        signIn("dan-custodian", "platform", "key-custodian");
        await("the second custodian sees it pending", card + " !== null && " + card + ".getAttribute('data-state') === 'PENDING_APPROVAL'");
        WebElement approve = driver.findElement(By.cssSelector("[data-rotation-id='" + id + "'] button"));
        assertTrue(approve.isEnabled());
        approve.click();
        await("approved: the rewrap starts", card + ".getAttribute('data-state') === 'REWRAPPING'");
        String bar = card + ".querySelector('[role=progressbar]')";
        await("a progress bar below 100 %", bar + " !== null && " + bar + ".getAttribute('aria-valuenow') !== '100'");
        shot("custodian-rewrapping");

        for (int i = 0; i < 200; i++) { // the job's tick, driven by the test; the page keeps polling on its own
            var r = rewrap.runOnce(1).await().atMost(Duration.ofMinutes(1));
            if (r.isPresent() && r.get().id().equals(id) && Rotation.COMPLETED.equals(r.get().state())) {
                break;
            }
        }
        await("the page shows 100 % without a reload", card + ".getAttribute('data-state') === 'COMPLETED' && "
                + card + ".querySelector('[role=progressbar]').getAttribute('aria-valuenow') === '100'");
        shot("custodian-completed");
        assertNoCardInPage();
    }

    @Test
    void auditor_seesTheVerifyStatusTurnInvalidAfterATampering() throws Exception {
        String token = Api.tokenized("console-audit", Api.card(card()));
        Api.reveal(Api.bearer("billing-console", "console-audit", "detokenizer"), token, "REFUND").then().statusCode(200);

        signIn(AuditTrail.AUDITOR_SUBJECT, "platform", "auditor");
        await("the trail verifies", "document.getElementById('verify').getAttribute('data-valid') === 'true'");
        await("the chart has bars", "document.querySelectorAll('#chart svg rect').length > 0");
        // The suite's other tests reveal far more: the table shows the API's top subject first.
        String top = given().header("Authorization", AuditTrail.auditor()).get("/v1/audit/summary").then().statusCode(200)
                .extract().path("topSubjects[0].subject");
        await("the top subjects table", "document.querySelector('#top tbody tr td') !== null "
                + "&& document.querySelector('#top tbody tr td').textContent === '" + top + "'");
        await("the chart's table has the reveal's purpose", "document.getElementById('chart-table').textContent.indexOf('REFUND') >= 0");
        await("the event list is filled", "document.querySelectorAll('#events tbody tr').length > 0");
        shot("auditor-valid");

        long seq = ((Number) AuditTrail.events("token=" + token).get(0).get("seq")).longValue();
        String subject;
        String hash;
        try (Connection c = Db.superuser(); PreparedStatement q = c.prepareStatement("SELECT subject, hash FROM audit_event WHERE seq = ?")) {
            q.setLong(1, seq);
            try (ResultSet rs = q.executeQuery()) {
                assertTrue(rs.next());
                subject = rs.getString(1);
                hash = rs.getString(2);
            }
        }
        try {
            // As an attacker with full database access: triggers off, a field changed, the hash recomputed without the key.
            asSuperuserWithoutTriggers("UPDATE audit_event SET subject = 'someone-else', hash = encode(sha256(convert_to(hash, 'UTF8')), 'hex') "
                    + "WHERE seq = " + seq);
            driver.findElement(By.id("reverify")).click();
            await("the page shows the trail invalid", "document.getElementById('verify').getAttribute('data-valid') === 'false'");
            String detail = driver.findElement(By.id("verify-detail")).getText();
            assertTrue(detail.contains("ALTERED") && detail.contains(String.valueOf(seq)), detail);
            shot("auditor-invalid");
        } finally {
            try (Connection c = Db.superuser(); Statement s = c.createStatement();
                    PreparedStatement restore = c.prepareStatement("UPDATE audit_event SET subject = ?, hash = ? WHERE seq = ?")) {
                s.execute("SET session_replication_role = replica");
                restore.setString(1, subject);
                restore.setString(2, hash);
                restore.setLong(3, seq);
                restore.executeUpdate();
                s.execute("SET session_replication_role = origin");
            }
        }
        assertTrue(AuditTrail.verify().getBoolean("valid"), "restoring the row restores the trail");
        driver.findElement(By.id("reverify")).click();
        await("valid again", "document.getElementById('verify').getAttribute('data-valid') === 'true'");
        assertNoCardInPage();
    }

    private static void asSuperuserWithoutTriggers(String statement) throws Exception {
        try (Connection c = Db.superuser(); Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica");
            s.execute(statement);
            s.execute("SET session_replication_role = origin");
        }
    }

    @Test
    void privacyOfficer_erasesACard_andGetsASignedReceipt_inItalianToo() throws Exception {
        String pan = card();
        String token = Api.tokenized("console-privacy", Api.card(pan));

        signIn("paola-dpo", "console-privacy", "privacy-officer");
        driver.findElement(By.cssSelector("input[name=kind][value=access]")).click();
        driver.findElement(By.id("card")).sendKeys(pan);
        driver.findElement(By.cssSelector("#subject-form button[type=submit]")).click();
        await("the access export", "document.getElementById('subject-result').textContent.indexOf('" + token + "') >= 0");
        assertNoCardInPage();

        new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("lang"))).selectByValue("it");
        await("Italian", "document.documentElement.lang === 'it' && document.getElementById('privacy-title').textContent === 'Richieste degli interessati'");
        await("the seal status in Italian", "document.getElementById('seal').textContent === 'Aperto'");
        driver.findElement(By.cssSelector("input[name=kind][value=erasure]")).click();
        assertTrue(driver.findElement(By.id("erase-row")).isDisplayed(), "the erasure's confirmation");
        assertFalse(driver.findElement(By.id("restrict-row")).isDisplayed(), "a restriction's option on an erasure");
        driver.findElement(By.id("card")).sendKeys(pan);
        driver.findElement(By.cssSelector("#subject-form button[type=submit]")).click();
        await("the erasure waits for the confirmation", "document.getElementById('privacy-error').textContent.indexOf('Spunta') >= 0");
        driver.findElement(By.id("erase-confirm")).click();
        driver.findElement(By.cssSelector("#subject-form button[type=submit]")).click();
        await("the receipt", "document.querySelector('.receipt') !== null");
        await("its signature checked in the browser", "document.getElementById('receipt-check').getAttribute('data-verified') === 'true'");
        String result = driver.findElement(By.id("subject-result")).getText();
        assertTrue(result.contains("Cancellata: 1 token distrutti."), result);
        assertTrue(result.contains("\"kind\": \"ERASURE\""), result);
        shot("privacy-erasure-it");
        assertNoCardInPage();
        Api.metadata(Api.bearer("agent", "console-privacy", "tokenizer"), token).then().statusCode(404);
    }

    @Test
    void thePage_isServedWithAStrictPolicy_andAnUnknownRoleSeesNothing() {
        given().get("/console").then().statusCode(200)
                .header("Content-Security-Policy", org.hamcrest.Matchers.containsString("default-src 'none'"))
                .header("Content-Security-Policy", org.hamcrest.Matchers.containsString("script-src 'self'"))
                .header("Content-Security-Policy", org.hamcrest.Matchers.containsString("frame-ancestors 'none'"));
        signIn("agent", "console-none", "tokenizer");
        assertTrue((Boolean) js("return !document.getElementById('noroles').hidden && document.getElementById('custodian').hidden "
                + "&& document.getElementById('auditor').hidden && document.getElementById('privacy').hidden"));
        Map<?, ?> seen = (Map<?, ?>) js("return {scripts: document.scripts.length, external: Array.from(document.scripts).filter("
                + "function (s) { return s.src && s.src.indexOf(location.origin) !== 0; }).length}");
        assertEquals(0L, ((Number) seen.get("external")).longValue(), "a script from another origin");
    }
}
