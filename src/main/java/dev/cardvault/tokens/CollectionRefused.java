package dev.cardvault.tokens;

/** No card may be collected for this tenant: its controller is not registered (production) or was off-boarded. */
public final class CollectionRefused extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public enum Reason { NOT_REGISTERED, CONTROLLER_CLOSED }

    private final Reason reason;

    CollectionRefused(Reason reason) {
        super(reason == Reason.NOT_REGISTERED
                ? "No collection purpose is registered for your tenant; a processor-admin registers the controller and its purposes first."
                : "Your tenant's controller was off-boarded; the vault takes no more card data for it.", null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
