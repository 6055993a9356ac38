package dev.cardvault.keys;

import dev.cardvault.crypto.DecryptionFailedException;
import dev.cardvault.crypto.KeyWrap;
import dev.cardvault.crypto.SecretKey;

/**
 * The master key rebuilt from custodian shares ({@code cardvault.master-key.source=shares}). It is
 * absent while the service is sealed: every use then fails with {@link SealedException}. Opened by
 * {@link Seal} when enough shares are given, closed (the key zeroed) when the service is sealed.
 */
public final class SharedMasterKey implements MasterKey {

    private record Open(String id, KeyWrap wrap) {
    }

    private volatile Open open;

    boolean isOpen() {
        return open != null;
    }

    /** Takes the key (a copy is kept; the caller destroys its own). */
    void open(SecretKey key) {
        Open previous = open;
        open = new Open(FileMasterKey.idOf(key), new KeyWrap(key));
        if (previous != null) {
            previous.wrap().destroy();
        }
    }

    /** Forgets the key and zeroes its bytes. */
    void close() {
        Open o = open;
        open = null;
        if (o != null) {
            o.wrap().destroy();
        }
    }

    private Open current() {
        Open o = open;
        if (o == null) {
            throw new SealedException();
        }
        return o;
    }

    @Override
    public String id() {
        return current().id();
    }

    @Override
    public String describe() {
        Open o = open;
        return o == null ? "master key from custodian shares (sealed)" : "master key " + o.id() + " from custodian shares";
    }

    @Override
    public byte[] wrap(SecretKey key) {
        return current().wrap().wrap(key);
    }

    @Override
    public SecretKey unwrap(byte[] wrapped) throws DecryptionFailedException {
        return current().wrap().unwrap(wrapped);
    }

    @Override
    public String toString() {
        return describe();
    }
}
