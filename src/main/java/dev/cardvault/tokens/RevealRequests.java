package dev.cardvault.tokens;

import java.util.List;

import dev.cardvault.card.PanScrubber;

/** Request bodies of the reveal and privacy routes. */
public final class RevealRequests {

    private RevealRequests() {
    }

    public static class Purpose {
        public String purpose;
    }

    public static class Batch {
        public List<String> tokens;
        public String purpose;
    }

    public static class Erasure {
        public String pan;

        @Override
        public String toString() {
            return "Erasure[pan=" + PanScrubber.scrub(pan) + "]";
        }
    }

    /** A batch item for a token that is not there (unknown, other tenant, deleted, expired). */
    public record NotFound(String token, String error) {
        public static NotFound of(String token) {
            return new NotFound(token, "NOT_FOUND");
        }
    }

    public record BatchResult(List<Object> results) {
    }

    public record Erased(int erased) {
    }
}
