package dev.cardvault.keys;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

import org.jboss.logging.Logger;

/**
 * Shares given one per custodian toward rebuilding a key (unsealing, or confirming a new master
 * key), kept in this instance's memory only: until the threshold is reached (then handed out once
 * and forgotten), the attempt times out, or it is reset. Every share forgotten is zeroed.
 */
final class ShareCollector {

    private static final Logger LOG = Logger.getLogger(ShareCollector.class);

    private final Map<String, Share> given = new LinkedHashMap<>();
    private final LongSupplier nanoTime;
    private long firstShareNanos;
    private String purpose;

    /** @param nanoTime the vault clock's {@code nanoTime}, which times the attempt */
    ShareCollector(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /**
     * Counts one custodian's share toward {@code purpose} (another purpose starts over).
     *
     * @return the shares by index once {@code threshold} are given (the caller zeroes them), else empty
     * @throws SealRefused when this subject already gave a share, or this share was already given
     */
    synchronized Optional<Map<Integer, byte[]>> offer(String purpose, String subject, Share share, int threshold, Duration timeout) {
        if (!purpose.equals(this.purpose)) {
            reset();
            this.purpose = purpose;
        }
        expire(timeout);
        if (given.containsKey(subject)) {
            share.wipe();
            throw new SealRefused(SealRefused.Reason.SHARE_ALREADY_GIVEN,
                    "You already gave a share toward this: each custodian counts once. Another custodian gives the next share.");
        }
        if (given.values().stream().anyMatch(s -> s.index() == share.index())) {
            share.wipe();
            throw new SealRefused(SealRefused.Reason.DUPLICATE_SHARE,
                    "This share was already given by another custodian. Nothing was counted.");
        }
        if (given.isEmpty()) {
            firstShareNanos = nanoTime.getAsLong();
        }
        given.put(subject, share);
        if (given.size() < threshold) {
            return Optional.empty();
        }
        Map<Integer, byte[]> parts = new HashMap<>();
        for (Share s : given.values()) {
            parts.put(s.index(), s.value().clone());
        }
        reset();
        return Optional.of(parts);
    }

    /** Takes back a subject's share (its event could not be recorded). */
    synchronized void withdraw(String subject) {
        Share s = given.remove(subject);
        if (s != null) {
            s.wipe();
        }
    }

    synchronized int progress(String purpose, Duration timeout) {
        if (!purpose.equals(this.purpose)) {
            return 0;
        }
        expire(timeout);
        return given.size();
    }

    synchronized void reset() {
        given.values().forEach(Share::wipe);
        given.clear();
    }

    private void expire(Duration timeout) {
        if (!given.isEmpty() && nanoTime.getAsLong() - firstShareNanos > timeout.toNanos()) {
            LOG.warnf("%d share(s) given toward %s expired after %s and were forgotten", given.size(), purpose, timeout);
            reset();
        }
    }
}
