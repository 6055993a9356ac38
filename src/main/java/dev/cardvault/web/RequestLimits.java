package dev.cardvault.web;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;

/**
 * The body-size limit, from the one setting Quarkus REST enforces too
 * ({@code cardvault.http.max-body-size}, 16 KiB: a tokenize body is well under 2 KiB); an import
 * stream has its own ({@code cardvault.imports.max-bytes}). And the time a request may take before
 * the edge answers 503 for it ({@code cardvault.http.request-timeout}).
 */
@Singleton
public class RequestLimits {

    @ConfigProperty(name = "cardvault.http.max-body-size", defaultValue = "16K")
    MemorySize maxBodySize;

    @ConfigProperty(name = "cardvault.imports.max-bytes", defaultValue = "256M")
    MemorySize maxImportSize;

    @ConfigProperty(name = "cardvault.http.request-timeout", defaultValue = "10s")
    Duration requestTimeout;

    public long maxBodyBytes() {
        return maxBodySize.asLongValue();
    }

    public long maxImportBytes() {
        return maxImportSize.asLongValue();
    }

    public long requestTimeoutMillis() {
        return requestTimeout.toMillis();
    }
}
