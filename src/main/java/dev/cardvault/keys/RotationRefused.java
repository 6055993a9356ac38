package dev.cardvault.keys;

/** A rotation request or approval the rules refuse: self-approval (403), wrong state (409), unknown (404). */
public final class RotationRefused extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final int status;
    private final String slug;

    public RotationRefused(int status, String slug, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.slug = slug;
    }

    public int status() {
        return status;
    }

    public String slug() {
        return slug;
    }
}
