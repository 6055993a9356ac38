package dev.cardvault.crypto;

/**
 * A capability token required to read raw key bytes. It carries no data; it exists so that every
 * place that touches key material says so ({@code SecretAccess.grant()}) and is easy to review.
 */
public final class SecretAccess {

    private static final SecretAccess INSTANCE = new SecretAccess();

    private SecretAccess() {
    }

    public static SecretAccess grant() {
        return INSTANCE;
    }
}
