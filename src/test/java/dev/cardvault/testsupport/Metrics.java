package dev.cardvault.testsupport;

import static io.restassured.RestAssured.given;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads one unlabelled series from /q/metrics (Prometheus text), as the tests of a gauge need it. */
public final class Metrics {

    private Metrics() {
    }

    /** The value of the unlabelled series {@code name}; fails when there is none. */
    public static double value(String name) {
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)(?: # .*)?$").matcher(text);
        if (!m.find()) {
            throw new AssertionError("no unlabelled series " + name + " in /q/metrics");
        }
        return Double.parseDouble(m.group(1));
    }
}
