package dev.cardvault.devkeys;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * In the dev and test profiles, points JWT verification at {@code keys-dev/jwt-public.pem} and
 * the master key at {@code keys-dev/master.key}, by absolute path. SmallRye JWT resolves a relative location against the working directory, which
 * breaks every request when the service is started from anywhere but the project root.
 * Explicit configuration always wins; the prod profile gets nothing from here.
 */
public final class DevKeysConfigSourceFactory implements ConfigSourceFactory {

    static final String LOCATION = "mp.jwt.verify.publickey.location";
    static final String MASTER_FILE = "cardvault.master-key.file";
    private static final int ORDINAL = 150;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        // Also at build time (ExecutionMode UNSET): Quarkus generates a throwaway key pair in dev
        // and test when it sees no key configured then, and that key would win over ours.
        List<String> profiles = context.getProfiles();
        if (!(profiles.contains("dev") || profiles.contains("test"))) {
            return List.of();
        }
        boolean jwtSet = isSet(context, LOCATION) || isSet(context, "mp.jwt.verify.publickey");
        boolean masterSet = isSet(context, MASTER_FILE) || isSet(context, "cardvault.master-key.value");
        if (jwtSet && masterSet) {
            return List.of();
        }
        return DevMaterial.locateDirectory(DevKeysConfigSourceFactory.class)
                .<Iterable<ConfigSource>> map(dir -> {
                    Map<String, String> props = new HashMap<>();
                    props.put("cardvault.dev-keys.dir", dir.toString());
                    if (!jwtSet) {
                        props.put(LOCATION, dir.resolve(DevMaterial.JWT_PUBLIC_KEY).toUri().toString());
                    }
                    if (!masterSet) {
                        props.put(MASTER_FILE, dir.resolve(DevMaterial.MASTER_KEY).toString());
                    }
                    return List.of(new PropertiesConfigSource(props, "cardvault-dev-keys", ORDINAL));
                })
                .orElse(List.of());
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }

    private static boolean isSet(ConfigSourceContext context, String name) {
        ConfigValue v = context.getValue(name);
        return v != null && v.getValue() != null && !v.getValue().isBlank();
    }
}
