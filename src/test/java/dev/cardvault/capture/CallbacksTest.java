package dev.cardvault.capture;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The callback allow-list: exact scheme, host and port, paths on a segment boundary. */
@Tag("unit")
class CallbacksTest {

    @Test
    void aPrefixAllowsItsOwnHostAndPathsUnderIt_andNothingThatMerelyStartsTheSame() {
        String prefix = "https://crm.acme.example/hooks";
        assertTrue(Callbacks.matches(prefix, "https", "crm.acme.example", -1, "/hooks"));
        assertTrue(Callbacks.matches(prefix, "https", "crm.acme.example", 443, "/hooks/cardvault"));
        assertFalse(Callbacks.matches(prefix, "https", "crm.acme.example.evil.net", -1, "/hooks"));
        assertFalse(Callbacks.matches(prefix, "https", "crm.acme.example", -1, "/hooks-other"));
        assertFalse(Callbacks.matches(prefix, "https", "crm.acme.example", 8443, "/hooks"));
        assertFalse(Callbacks.matches(prefix, "http", "crm.acme.example", -1, "/hooks"));
        assertTrue(Callbacks.matches("https://crm.acme.example/", "https", "CRM.acme.example", -1, "/anything"));
        assertTrue(Callbacks.matches("http://127.0.0.1:*/", "http", "127.0.0.1", 38121, "/recording"));
        assertFalse(Callbacks.matches("http://127.0.0.1:*/", "http", "127.0.0.10", 38121, "/recording"));
        assertFalse(Callbacks.matches("not a url", "https", "crm.acme.example", -1, "/"));
    }
}
