package dev.cardvault.tokens;

import java.time.Period;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One tenant's collection purposes, as its controller registered them: what a card may be
 * collected for, under which legal basis, for how long, and what a card collected for each
 * purpose may be revealed for. A tenant with no registered purpose is {@link #unbound}: the
 * global reveal list applies, and no purpose is asked for (outside production).
 */
public record TenantPurposes(String tenant, boolean closed, Map<String, Rule> purposes, Set<String> globalRevealPurposes) {

    /** One registered purpose. {@code active=false}: no new collection, existing cards keep their reveal rules. */
    public record Rule(String code, String legalBasis, Period retention, Set<String> revealPurposes, boolean active) {
        public boolean needsConsent() {
            return "CONSENT".equals(legalBasis);
        }
    }

    public TenantPurposes {
        purposes = Map.copyOf(purposes);
        globalRevealPurposes = Set.copyOf(globalRevealPurposes);
    }

    public boolean unbound() {
        return purposes.isEmpty();
    }

    /** The active purposes' codes, sorted, for error messages. */
    public List<String> activeCodes() {
        return purposes.values().stream().filter(Rule::active).map(Rule::code).sorted().toList();
    }

    /** Whether any card of this tenant may be revealed for this purpose. */
    public boolean revealable(String revealPurpose) {
        if (!globalRevealPurposes.contains(revealPurpose)) {
            return false;
        }
        return unbound() || purposes.values().stream().anyMatch(r -> r.revealPurposes().contains(revealPurpose));
    }

    /**
     * Whether a card collected for {@code collectionPurpose} may be revealed for
     * {@code revealPurpose}. A card collected before its tenant registered purposes (no collection
     * purpose) follows the tenant-wide list: the union of what its purposes allow.
     */
    public boolean allows(String collectionPurpose, String revealPurpose) {
        if (collectionPurpose == null) {
            return revealable(revealPurpose);
        }
        Rule rule = purposes.get(collectionPurpose);
        return rule != null && globalRevealPurposes.contains(revealPurpose) && rule.revealPurposes().contains(revealPurpose);
    }

    /** The tenant-wide reveal list, sorted, for error messages. */
    public List<String> revealList() {
        Set<String> out = new HashSet<>();
        for (String p : globalRevealPurposes) {
            if (revealable(p)) {
                out.add(p);
            }
        }
        return out.stream().sorted().toList();
    }
}
