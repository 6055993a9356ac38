package dev.cardvault.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.cardvault.openapi.client.ApiClient;
import dev.cardvault.openapi.client.ApiException;
import dev.cardvault.openapi.client.ApiResponse;
import dev.cardvault.openapi.client.api.AuditApi;
import dev.cardvault.openapi.client.api.TokensApi;
import dev.cardvault.openapi.client.model.Batch;
import dev.cardvault.openapi.client.model.BatchItem;
import dev.cardvault.openapi.client.model.BatchResult;
import dev.cardvault.openapi.client.model.EventPage;
import dev.cardvault.openapi.client.model.EventView;
import dev.cardvault.openapi.client.model.Purpose;
import dev.cardvault.openapi.client.model.RevealView;
import dev.cardvault.openapi.client.model.TokenView;
import dev.cardvault.openapi.client.model.TokenizeRequest;
import dev.cardvault.testsupport.TestCards;
import dev.cardvault.testsupport.TestJwt;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * The walk-through (tokenize, metadata, reveal, batch reveal, audit read) through a client nobody
 * here wrote: openapi-generator's Java client (library native), generated at build time from the
 * committed contract src/main/openapi/cardvault.yaml (see pom.xml), against the running service,
 * with real RS256 tokens. If the document and the service disagree (a missing response schema, a
 * wrong type, a route or parameter that is not there), this fails.
 *
 * <p>Card numbers are compared, never printed: no assertion message or model's toString of a
 * revealed card reaches the test output (CI scans it for card numbers).
 */
@QuarkusTest
class OpenApiWalkThroughTest {

    private static final String TENANT = "openapi-client";
    private static final String PURPOSE = "RECURRING_BILLING";

    /** A generated-client configuration for one caller; the scheme "jwt" is a bearer token. */
    private static ApiClient as(String subject, String role) {
        String bearer = TestJwt.as(subject).roles(role).tenant(TENANT).bearer();
        return anonymous().setRequestInterceptor(request -> request.header("Authorization", bearer));
    }

    private static ApiClient anonymous() {
        ApiClient client = new ApiClient();
        client.updateBaseUri("http://localhost:" + RestAssured.port);
        return client;
    }

    @Test
    void walkThrough_tokenizeMetadataRevealBatchRevealAuditRead() throws Exception {
        String pan = TestCards.randomVisa();
        String last4 = pan.substring(pan.length() - 4);

        // Tokenize (agent payment screen).
        TokensApi agent = new TokensApi(as("oa-agent", "tokenizer"));
        ApiResponse<TokenView> created = agent.tokenizeWithHttpInfo(new TokenizeRequest().pan(pan).expMonth(12).expYear(2030)
                .cardholderName("Mario Rossi").metadata(Map.of("orderRef", "A-1")));
        assertEquals(201, created.getStatusCode());
        TokenView view = created.getData();
        String token = view.getToken();
        assertTrue(token.startsWith("tok_"), "token " + token);
        assertEquals(List.of("/v1/tokens/" + token), created.getHeaders().get("location"));
        assertEquals("VISA", view.getBrand());
        assertEquals(last4, view.getLast4());
        assertEquals(Map.of("orderRef", "A-1"), view.getMetadata());

        // Metadata: never the card number.
        TokenView metadata = agent.metadata(token);
        assertEquals(token, metadata.getToken());
        assertEquals(view.getFingerprint(), metadata.getFingerprint());
        assertEquals(last4, metadata.getLast4());
        assertEquals(Integer.valueOf(12), metadata.getExpMonth());

        // Reveal one card (billing).
        TokensApi billing = new TokensApi(as("oa-billing", "detokenizer"));
        RevealView card = billing.detokenize(token, new Purpose().purpose(PURPOSE));
        assertEquals(token, card.getToken());
        assertTrue(pan.equals(card.getPan()), "the revealed card number is not the one tokenized");
        assertEquals("Mario Rossi", card.getCardholderName());
        assertEquals(Integer.valueOf(2030), card.getExpYear());

        // Reveal a batch: the card, and a token that does not exist.
        String unknown = "tok_" + "Zz9".repeat(8);
        BatchResult batch = billing.revealBatch(new Batch().tokens(List.of(token, unknown)).purpose(PURPOSE));
        assertEquals(2, batch.getResults().size());
        BatchItem revealed = batch.getResults().get(0);
        assertEquals(Integer.valueOf(0), revealed.getIndex());
        assertEquals(token, revealed.getToken());
        assertTrue(pan.equals(revealed.getPan()), "the batch-revealed card number is not the one tokenized");
        assertNull(revealed.getError());
        BatchItem missing = batch.getResults().get(1);
        assertEquals(Integer.valueOf(1), missing.getIndex());
        assertEquals(BatchItem.ErrorEnum.NOT_FOUND, missing.getError());
        assertNull(missing.getPan());

        // Audit read: this token's trail, in order, naming who and why.
        EventPage page = new AuditApi(as("oa-auditor", "auditor")).events(0L, 1000, null, token, null);
        List<EventView> events = page.getEvents();
        assertEquals(List.of("TOKEN_CREATED", "DETOKENIZED", "DETOKENIZED"), events.stream().map(EventView::getType).toList());
        assertEquals(List.of("oa-agent", "oa-billing", "oa-billing"), events.stream().map(EventView::getSubject).toList());
        assertEquals(List.of(TENANT, TENANT, TENANT), events.stream().map(EventView::getTenant).toList());
        assertEquals(PURPOSE, events.get(1).getPurpose());
        assertEquals(events.get(2).getSeq(), page.getNextAfterSeq());
        events.forEach(e -> assertFalse(e.getHash() == null || e.getHash().isBlank(), "event without hash: seq " + e.getSeq()));
    }

    @Test
    void generatedClient_seesTheServicesRefusals() throws Exception {
        String token = new TokensApi(as("oa-agent", "tokenizer"))
                .tokenize(new TokenizeRequest().pan(TestCards.randomVisa()).expMonth(1).expYear(2031)).getToken();
        ApiException noToken = assertThrows(ApiException.class, () -> new TokensApi(anonymous()).metadata(token));
        assertEquals(401, noToken.getCode());
        ApiException wrongRole = assertThrows(ApiException.class,
                () -> new TokensApi(as("oa-agent", "tokenizer")).detokenize(token, new Purpose().purpose(PURPOSE)));
        assertEquals(403, wrongRole.getCode());
        ApiException otherTenant = assertThrows(ApiException.class, () -> new TokensApi(anonymous().setRequestInterceptor(
                r -> r.header("Authorization", TestJwt.as("oa-other").roles("tokenizer").tenant("openapi-other").bearer()))).metadata(token));
        assertEquals(404, otherTenant.getCode());
    }
}
