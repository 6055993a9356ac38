package dev.cardvault.auth;

/** The roles of the contract, as they appear in the JWT {@code groups} claim. */
public final class Roles {
    public static final String TOKENIZER = "tokenizer";
    public static final String DETOKENIZER = "detokenizer";
    public static final String PRIVACY_OFFICER = "privacy-officer";
    public static final String KEY_CUSTODIAN = "key-custodian";
    public static final String AUDITOR = "auditor";
    public static final String TELEPHONY = "telephony";
    /** Platform-wide: manages the controller registry and off-boards controllers (dual control). */
    public static final String PROCESSOR_ADMIN = "processor-admin";

    private Roles() {
    }
}
