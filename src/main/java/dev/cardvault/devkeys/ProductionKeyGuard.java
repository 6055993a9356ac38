package dev.cardvault.devkeys;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import dev.cardvault.keys.MasterKeyProducer;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;

/**
 * In the {@code prod} profile the service refuses to start with development key material, or
 * without the keys it needs, and says what to configure instead. Fails closed: better no service
 * than a vault that trusts tokens anyone can mint.
 */
@ApplicationScoped
public class ProductionKeyGuard {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ProductionKeyGuard.class);

    // Before anything else observes start-up: the key hierarchy must not touch a dev master key in prod.
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        if (!ConfigUtils.getProfiles().contains("prod")) {
            return;
        }
        Config config = ConfigProvider.getConfig();
        List<String> problems = check(config);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("CardVault refuses to start in the prod profile:\n - "
                    + String.join("\n - ", problems));
        }
        if ("file".equals(config.getOptionalValue(MasterKeyProducer.SOURCE, String.class).orElse("file"))) {
            LOG.warn("The master key comes from a file or a value (cardvault.master-key.allow-file=true): whoever can read "
                    + "that secret holds every card. Move it into an HSM (cardvault.master-key.source=pkcs11).");
        }
    }

    /** The reasons to refuse; empty when production configuration is acceptable. */
    public static List<String> check(Config config) {
        List<String> problems = new ArrayList<>();
        Optional<String> location = config.getOptionalValue("mp.jwt.verify.publickey.location", String.class);
        Optional<String> inline = config.getOptionalValue("mp.jwt.verify.publickey", String.class);
        if (location.isEmpty() && inline.isEmpty()) {
            problems.add("no JWT verification key is configured: set mp.jwt.verify.publickey.location "
                    + "(MP_JWT_VERIFY_PUBLICKEY_LOCATION) to your identity provider's PEM public key file or JWKS URL");
        }
        location.ifPresent(loc -> {
            if (DevMaterial.isDevMaterialAt(loc)) {
                problems.add("mp.jwt.verify.publickey.location points at keys-dev/ development material, which anyone "
                        + "can sign tokens for: set it to your identity provider's PEM public key file or JWKS URL");
            }
        });
        inline.ifPresent(pem -> {
            if (DevMaterial.isDevContent(pem)) {
                problems.add("mp.jwt.verify.publickey holds the keys-dev/ development key: configure your identity "
                        + "provider's public key instead");
            }
        });
        String source = config.getOptionalValue(MasterKeyProducer.SOURCE, String.class).orElse("file");
        if ("pkcs11".equals(source)) {
            for (String setting : List.of("library", "pin-file")) {
                if (config.getOptionalValue("cardvault.master-key.pkcs11." + setting, String.class).isEmpty()) {
                    problems.add("cardvault.master-key.source is pkcs11 but cardvault.master-key.pkcs11." + setting + " is not set");
                }
            }
        } else if ("file".equals(source)) {
            fileMasterKey(config, problems);
        } else {
            problems.add(MasterKeyProducer.SOURCE + " must be file or pkcs11");
        }
        if (config.getOptionalValue("mp.jwt.verify.audiences", String.class).filter(a -> !a.isBlank()).isEmpty()) {
            problems.add("no token audience is configured: set mp.jwt.verify.audiences (MP_JWT_VERIFY_AUDIENCES) to the "
                    + "audience your identity provider issues CardVault tokens for, so tokens minted for other services "
                    + "are refused");
        }
        if (config.getOptionalValue("mp.jwt.verify.issuer", String.class).isEmpty()) {
            problems.add("no token issuer is configured: set mp.jwt.verify.issuer (MP_JWT_VERIFY_ISSUER) to your "
                    + "identity provider's issuer URL");
        }
        return problems;
    }

    /** A master key from a file or a value: in prod only knowingly, and never the development key. */
    private static void fileMasterKey(Config config, List<String> problems) {
        if (!config.getOptionalValue(MasterKeyProducer.ALLOW_FILE, Boolean.class).orElse(false)) {
            problems.add("the master key would come from a file or a value (cardvault.master-key.source=file): whoever can "
                    + "read that secret holds every card. Keep it in an HSM (cardvault.master-key.source=pkcs11, see "
                    + "docs/keys.md), or accept the risk knowingly with cardvault.master-key.allow-file=true");
        }
        Optional<String> masterFile = config.getOptionalValue("cardvault.master-key.file", String.class);
        Optional<String> masterValue = config.getOptionalValue("cardvault.master-key.value", String.class);
        if (masterFile.isEmpty() && masterValue.isEmpty()) {
            problems.add("no master key is configured: set cardvault.master-key.file (CARDVAULT_MASTER_KEY_FILE) to a "
                    + "secret file holding 32 random bytes in base64, or cardvault.master-key.value");
        }
        if (masterFile.isPresent() && DevMaterial.isDevLocation(masterFile.get())) {
            problems.add("cardvault.master-key.file points into keys-dev/, the public development material: generate a "
                    + "production key (head -c 32 /dev/urandom | base64) and keep it in a secret store");
        } else if (masterFile.isPresent() || masterValue.isPresent()) {
            try {
                if (DevMaterial.MASTER_KEY_ID.equals(MasterKeyProducer.load(masterFile, masterValue).id())) {
                    problems.add("the configured master key is the keys-dev/ development master key (id " + DevMaterial.MASTER_KEY_ID
                            + "), which is public: generate a production key (head -c 32 /dev/urandom | base64) and keep it "
                            + "in a secret store");
                }
            } catch (IllegalStateException e) {
                problems.add(e.getMessage()); // names the setting and the rule, never key material
            }
        }
    }
}
