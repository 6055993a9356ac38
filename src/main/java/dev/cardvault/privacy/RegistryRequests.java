package dev.cardvault.privacy;

import java.util.List;

/** Bodies and answers of the controller registry, as received and as shown. */
public final class RegistryRequests {

    private RegistryRequests() {
    }

    public static class Contact {
        public String name;
        public String email;
    }

    public static class ControllerBody {
        public String name;
        public String dpaReference;
        public String dpaDate;
        public Contact contact;
    }

    public static class PurposeBody {
        public String description;
        public String legalBasis;
        public String retention;
        public List<String> revealPurposes;
        public Boolean active;
    }

    public static class OffboardBody {
        public String reason;
    }

    public record ContactView(String name, String email) {
    }

    public record PurposeView(String code, String description, String legalBasis, String retention, List<String> revealPurposes,
            boolean active, String createdAt, String updatedAt) {
        static PurposeView of(ControllerPurpose p) {
            return new PurposeView(p.code, p.description, p.legalBasis, p.retention, p.revealPurposeList(), p.active,
                    p.createdAt.toString(), p.updatedAt.toString());
        }
    }

    public record ControllerView(String tenant, String name, String dpaReference, String dpaDate, ContactView contact, String state,
            String createdAt, String updatedAt, String closedAt, List<PurposeView> purposes) {
        static ControllerView of(Controller c, List<ControllerPurpose> purposes) {
            return new ControllerView(c.tenant, c.name, c.dpaReference, c.dpaDate.toString(), new ContactView(c.contactName, c.contactEmail),
                    c.state, c.createdAt.toString(), c.updatedAt.toString(), c.closedAt == null ? null : c.closedAt.toString(),
                    purposes.stream().map(PurposeView::of).toList());
        }
    }

    public record OffboardingView(String id, String tenant, String state, String reason, String requestedBy, String requestedAt,
            String expiresAt, String approvedBy, String approvedAt, long tokensDeleted, long captureSessionsDeleted, long dataKeys,
            String completedAt, Receipts.SignedReceipt receipt) {
    }
}
