package dev.cardvault.keys;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKeyFactory;

import dev.cardvault.crypto.SecretKey;

/**
 * Run in a child JVM by the SoftHSM tests (the token's configuration, SOFTHSM2_CONF, is an
 * environment variable, which only a new process can be given). Prints one line per finding.
 *
 * <pre>Pkcs11Probe library slot pin-file create|reopen wrapped-file</pre>
 */
public final class Pkcs11Probe {

    private Pkcs11Probe() {
    }

    public static void main(String[] args) throws Exception {
        boolean create = "create".equals(args[3]);
        Path wrappedFile = Path.of(args[4]);
        Pkcs11MasterKey master = Pkcs11MasterKey.open(new Pkcs11MasterKey.Settings(args[0], Optional.of(Long.parseLong(args[1])),
                Optional.empty(), Path.of(args[2]), "cardvault-master", create));
        System.out.println("id " + master.id());
        System.out.println("encoded " + (master.tokenKey().getEncoded() == null ? "none" : "BYTES"));
        // Try to get the key out of the token the way PKCS#11 allows: wrapped under another key.
        KeyGenerator g = KeyGenerator.getInstance("AES", master.provider());
        g.init(256);
        javax.crypto.SecretKey other = g.generateKey();
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding", master.provider());
            c.init(Cipher.WRAP_MODE, other, new javax.crypto.spec.GCMParameterSpec(128, new byte[12]));
            c.wrap(master.tokenKey());
            System.out.println("wrap-export ALLOWED");
        } catch (Exception refused) {
            System.out.println("wrap-export refused");
        }
        try {
            SecretKeyFactory.getInstance("AES", master.provider()).getKeySpec((javax.crypto.SecretKey) master.tokenKey(),
                    javax.crypto.spec.SecretKeySpec.class);
            System.out.println("keyspec-export ALLOWED");
        } catch (Exception refused) {
            System.out.println("keyspec-export refused");
        }
        if (create) {
            SecretKey kek = SecretKey.generate();
            byte[] wrapped = master.wrap(kek);
            SecretKey back = master.unwrap(wrapped);
            System.out.println("roundtrip " + (back.sameAs(kek) ? "same" : "DIFFERENT"));
            Files.write(wrappedFile, wrapped);
        } else {
            byte[] wrapped = Files.readAllBytes(wrappedFile);
            master.unwrap(wrapped);
            System.out.println("reopen unwrapped");
            wrapped[wrapped.length - 1] ^= 1;
            try {
                master.unwrap(wrapped);
                System.out.println("tampered ACCEPTED");
            } catch (dev.cardvault.crypto.DecryptionFailedException e) {
                System.out.println("tampered refused");
            }
        }
    }
}
