package dev.cardvault.capture;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.cardvault.devkeys.DevMaterial;
import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.SystemPackages;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** keys-dev/phone-sim.sh, the telephony simulator, against the running service: a keyed card becomes a token. */
@QuarkusTest
class PhoneSimulatorScriptTest {

    @TestHTTPResource("/")
    URL base;

    @Test
    void simulatorKeysACard_withATypo_andTheSessionCompletes_printingNoDigits() throws Exception {
        SystemPackages.require("curl", "curl");
        SystemPackages.require("openssl", "openssl");
        Path dir = DevMaterial.locateDirectory(PhoneSimulatorScriptTest.class).orElseThrow();
        String pan = TestCards.randomVisa();
        String expiry = "12" + String.format("%02d", (YearMonth.now(ZoneOffset.UTC).getYear() + 2) % 100);
        Process p = new ProcessBuilder("bash", dir.resolve("phone-sim.sh").toString(), "--vault", base.toString().replaceAll("/$", ""),
                "--tenant", "ph-sim", "--card", pan, "--expiry", expiry, "--delay-ms", "0", "--typo").redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the simulator did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertFalse(out.contains(pan) || out.contains(pan.substring(0, 12)), "the simulator printed the card");
        assertEquals(0, p.exitValue(), "simulator failed:\n" + out);
        Matcher m = Pattern.compile("session (cs_[0-9a-f]+) COMPLETED token (tok_\\w+)").matcher(out);
        assertTrue(m.find(), "no completed session in:\n" + out);
        given().header("Authorization", Api.bearer("phone-agent", "ph-sim", "tokenizer")).get("/v1/capture-sessions/" + m.group(1))
                .then().statusCode(200).body("state", equalTo("COMPLETED")).body("result.token", equalTo(m.group(2)));
    }
}
