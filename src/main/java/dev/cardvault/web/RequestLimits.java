package dev.cardvault.web;

/** Limits of the contract that the HTTP edge enforces before any resource sees the request. */
public final class RequestLimits {

    /** 16 KiB: a tokenize body is well under 2 KiB; anything larger is a mistake or an attack. */
    public static final long MAX_BODY_BYTES = 16 * 1024;

    private RequestLimits() {
    }
}
