package dev.cardvault.card;

import dev.cardvault.errors.Violation;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;

/**
 * A card's expiry: valid through the last day of the month (UTC). Expired cards and years more
 * than 20 years ahead are rejected.
 */
public record Expiry(int month, int year) {

    public static final int MAX_YEARS_AHEAD = 20;

    /** @param now the current month in UTC */
    public static Expiry of(Integer month, Integer year, YearMonth now) {
        List<Violation> v = new ArrayList<>();
        if (month == null) {
            v.add(new Violation("expMonth", "is required"));
        } else if (month < 1 || month > 12) {
            v.add(new Violation("expMonth", "must be 1 to 12"));
        }
        if (year == null) {
            v.add(new Violation("expYear", "is required"));
        } else if (year < 1000 || year > 9999) {
            v.add(new Violation("expYear", "must have four digits"));
        } else if (year > now.getYear() + MAX_YEARS_AHEAD) {
            v.add(new Violation("expYear", "must be at most " + MAX_YEARS_AHEAD + " years ahead"));
        }
        if (v.isEmpty() && YearMonth.of(year, month).isBefore(now)) {
            v.add(new Violation("expYear", "the card has expired"));
        }
        if (!v.isEmpty()) {
            throw new CardValidationException(v);
        }
        return new Expiry(month, year);
    }

    public YearMonth yearMonth() {
        return YearMonth.of(year, month);
    }
}
