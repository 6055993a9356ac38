package dev.cardvault.logging;

import dev.cardvault.card.CardShape;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Stand-in for a throwable whose message (or whose cause's message) contains a card number.
 * It prints like the original ({@code original.class.Name: masked message}, same stack trace,
 * same causes and suppressed exceptions), so the log still tells what failed and where.
 */
final class MaskedThrowable extends Throwable {

    private static final long serialVersionUID = 1L;
    private final String originalClassName;

    private MaskedThrowable(String originalClassName, String maskedMessage) {
        super(maskedMessage); // leaves the cause unset, so initCause can link the masked chain
        this.originalClassName = originalClassName;
    }

    /** Returns {@code t} itself when no message in its graph needs masking. */
    static Throwable maskIfNeeded(Throwable t) {
        if (!needsMasking(t, new IdentityHashMap<>())) {
            return t;
        }
        return copy(t, new IdentityHashMap<>());
    }

    private static boolean needsMasking(Throwable t, Map<Throwable, Boolean> seen) {
        if (t == null || seen.put(t, Boolean.TRUE) != null) {
            return false;
        }
        if (CardShape.contains(t.getMessage()) || CardShape.contains(t.getLocalizedMessage())) {
            return true;
        }
        for (Throwable s : t.getSuppressed()) {
            if (needsMasking(s, seen)) {
                return true;
            }
        }
        return needsMasking(t.getCause(), seen);
    }

    private static Throwable copy(Throwable t, Map<Throwable, MaskedThrowable> done) {
        MaskedThrowable existing = done.get(t);
        if (existing != null) {
            return existing;
        }
        MaskedThrowable m = new MaskedThrowable(t.getClass().getName(), CardShape.mask(t.getMessage()));
        done.put(t, m);
        m.setStackTrace(t.getStackTrace());
        if (t.getCause() != null && t.getCause() != t) {
            m.initCause(copy(t.getCause(), done));
        }
        for (Throwable s : t.getSuppressed()) {
            m.addSuppressed(copy(s, done));
        }
        return m;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // the original's stack trace is copied in; capturing our own would be noise
    }

    @Override
    public String toString() {
        String msg = getLocalizedMessage();
        return msg != null ? originalClassName + ": " + msg : originalClassName;
    }
}
