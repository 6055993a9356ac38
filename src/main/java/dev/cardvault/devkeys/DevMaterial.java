package dev.cardvault.devkeys;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

/**
 * Recognises the committed development key material of {@code keys-dev/}, by location and by
 * content, so that production can refuse it even when it was copied somewhere else.
 */
public final class DevMaterial {

    public static final String DIRECTORY = "keys-dev";
    public static final String JWT_PUBLIC_KEY = "jwt-public.pem";
    public static final String MASTER_KEY = "master.key";

    /** SHA-256 of the DER body of the committed dev JWT key; a test checks it against the file. */
    static final Set<String> FINGERPRINTS = Set.of(
            "bb14f90b6ee422a34087bc413719a9ff3c97e671c5a25876065f0671e88add77" // jwt-public.pem
    );

    /**
     * The id of the committed dev master key ({@link dev.cardvault.keys.MasterKey#id()}, derived
     * from the key itself): the key is recognised whatever file, encoding or setting it arrives
     * through. A test checks it against keys-dev/master.key.
     */
    public static final String MASTER_KEY_ID = "mk-e22f0e91e987e75c";

    private DevMaterial() {
    }

    /** Whether a configured location (path, file: URL or classpath name) points into keys-dev. */
    public static boolean isDevLocation(String location) {
        if (location == null) {
            return false;
        }
        String normalized = location.replace('\\', '/');
        return normalized.equals(DIRECTORY) || normalized.startsWith(DIRECTORY + "/") || normalized.contains("/" + DIRECTORY + "/")
                || normalized.contains(":" + DIRECTORY + "/");
    }

    /** Whether PEM text is one of the dev keys, whatever file it was copied into. */
    public static boolean isDevContent(String pem) {
        return pem != null && fingerprint(pem).map(FINGERPRINTS::contains).orElse(false);
    }

    /** Whether a configured key location is keys-dev material: by its path, or by the content of the file there. */
    public static boolean isDevMaterialAt(String location) {
        return isDevLocation(location) || readLocal(location).map(DevMaterial::isDevContent).orElse(false);
    }

    /** Reads a local file location (plain path or file: URL); empty for remote or classpath locations. */
    public static Optional<String> readLocal(String location) {
        try {
            Path path;
            if (location.startsWith("file:")) {
                path = Path.of(URI.create(location));
            } else if (location.contains("://") || location.startsWith("classpath:")) {
                return Optional.empty();
            } else {
                path = Path.of(location);
            }
            return Files.isReadable(path) ? Optional.of(Files.readString(path, StandardCharsets.US_ASCII)) : Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static Optional<String> fingerprint(String pem) {
        StringBuilder body = new StringBuilder();
        for (String line : pem.split("\\R")) {
            String l = line.trim();
            if (!l.isEmpty() && !l.startsWith("-----")) {
                body.append(l);
            }
        }
        try {
            byte[] der = Base64.getDecoder().decode(body.toString());
            return Optional.of(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Finds {@code keys-dev/} for the dev and test profiles: in the working directory or one of
     * its parents, else above the application's own jar (target/quarkus-app/app/x.jar), so that the
     * service works wherever it is started from inside the checkout.
     */
    public static Optional<Path> locateDirectory(Class<?> anchor) {
        Optional<Path> fromCwd = searchUpwards(Path.of("").toAbsolutePath());
        if (fromCwd.isPresent()) {
            return fromCwd;
        }
        try {
            var source = anchor.getProtectionDomain().getCodeSource();
            if (source != null && source.getLocation() != null) {
                return searchUpwards(Path.of(source.getLocation().toURI()).toAbsolutePath());
            }
        } catch (Exception e) {
            // fall through: no code source (unusual class loader)
        }
        return Optional.empty();
    }

    private static Optional<Path> searchUpwards(Path start) {
        for (Path p = start; p != null; p = p.getParent()) {
            Path candidate = p.resolve(DIRECTORY);
            if (Files.isRegularFile(candidate.resolve(JWT_PUBLIC_KEY))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
