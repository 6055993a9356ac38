package dev.cardvault.web;

import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.configuration.MemorySize;

/**
 * The body-size limit, from the one setting Quarkus REST enforces too
 * ({@code quarkus.http.limits.max-body-size}, 16 KiB: a tokenize body is well under 2 KiB).
 */
@Singleton
public class RequestLimits {

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    MemorySize maxBodySize;

    public long maxBodyBytes() {
        return maxBodySize.asLongValue();
    }
}
