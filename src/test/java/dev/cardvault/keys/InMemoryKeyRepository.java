package dev.cardvault.keys;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.smallrye.mutiny.Uni;

/** The key tables in memory, with the same rules as the SQL (one active key per tenant, budgets), for unit tests. */
final class InMemoryKeyRepository extends KeyRepository {

    final TreeMap<Integer, KekRow> keks = new TreeMap<>();
    final Map<String, KekRow> roots = new HashMap<>();
    final Map<Long, DataKeyRow> dataKeys = new HashMap<>();
    final Map<Long, Boolean> active = new HashMap<>();
    private long nextId = 1;

    @Override
    public synchronized Uni<List<KekRow>> keks() {
        return Uni.createFrom().item(new ArrayList<>(keks.values()));
    }

    @Override
    public synchronized Uni<Boolean> insertFirstKek(byte[] wrapped, String masterKeyId) {
        return Uni.createFrom().item(keks.putIfAbsent(1, new KekRow(1, "ACTIVE", wrapped, masterKeyId)) == null);
    }

    @Override
    public synchronized Uni<Optional<KekRow>> rootKey(String name) {
        return Uni.createFrom().item(Optional.ofNullable(roots.get(name)));
    }

    @Override
    public synchronized Uni<Boolean> insertRootKey(String name, byte[] wrapped, String masterKeyId) {
        return Uni.createFrom().item(roots.putIfAbsent(name, new KekRow(0, "ACTIVE", wrapped, masterKeyId)) == null);
    }

    @Override
    public synchronized Uni<Optional<DataKeyRow>> activeDataKey(String tenant) {
        return Uni.createFrom().item(dataKeys.values().stream().filter(k -> k.tenant().equals(tenant) && active.get(k.id())).findFirst());
    }

    @Override
    public synchronized Uni<Optional<DataKeyRow>> dataKey(long id) {
        return Uni.createFrom().item(Optional.ofNullable(dataKeys.get(id)));
    }

    @Override
    public synchronized Uni<Optional<Long>> insertActiveDataKey(io.vertx.mutiny.sqlclient.SqlClient tx, String tenant, int kekVersion, byte[] wrapped, long reserved) {
        boolean kekActive = keks.containsKey(kekVersion) && "ACTIVE".equals(keks.get(kekVersion).state());
        if (!kekActive || activeDataKey(tenant).await().indefinitely().isPresent()) {
            return Uni.createFrom().item(Optional.empty());
        }
        long id = nextId++;
        dataKeys.put(id, new DataKeyRow(id, tenant, kekVersion, wrapped, reserved));
        active.put(id, true);
        return Uni.createFrom().item(Optional.of(id));
    }

    @Override
    public synchronized Uni<Boolean> reserve(long id, long block, long limit) {
        DataKeyRow k = dataKeys.get(id);
        if (k == null || !active.get(id) || k.reserved() + block > limit) {
            return Uni.createFrom().item(false);
        }
        dataKeys.put(id, new DataKeyRow(id, k.tenant(), k.kekVersion(), k.wrappedKey(), k.reserved() + block));
        return Uni.createFrom().item(true);
    }

    @Override
    public synchronized Uni<Boolean> deactivate(io.vertx.mutiny.sqlclient.SqlClient tx, long id) {
        return Uni.createFrom().item(Boolean.TRUE.equals(active.put(id, false)));
    }

    @Override
    public synchronized Uni<Integer> activeKekVersion() {
        return Uni.createFrom().item(keks.values().stream().filter(k -> "ACTIVE".equals(k.state())).mapToInt(KekRow::version)
                .findFirst().orElse(0));
    }

    synchronized long keysOf(String tenant) {
        return dataKeys.values().stream().filter(k -> k.tenant().equals(tenant)).count();
    }
}
