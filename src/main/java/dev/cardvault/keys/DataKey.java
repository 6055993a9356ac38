package dev.cardvault.keys;

import dev.cardvault.crypto.Aead;

/** An unwrapped data key of one tenant, identified by id; the id goes into every ciphertext it makes. */
public record DataKey(long id, String tenant, int kekVersion, Aead aead) {

    @Override
    public String toString() {
        return "DataKey[id=" + id + ", tenant=" + tenant + ", kek=v" + kekVersion + "]";
    }
}
