package io.latscope.bpf;

import io.latscope.error.KernelException;
import io.latscope.error.Errno;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A map of a loaded {@link BpfObject}. The object owns the file descriptor; this view is
 * valid until the object is closed. Operations are system calls and thread-safe.
 */
public final class BpfMap {
    private final BpfObject owner;
    private final MemorySegment handle;
    private final String name;

    BpfMap(BpfObject owner, MemorySegment handle) {
        this.owner = owner;
        this.handle = handle;
        this.name = Native.string(Calls.bpf_map__name(handle));
    }

    public String name() {
        return name;
    }

    MemorySegment handle() {
        return handle;
    }

    public int fd() {
        int fd = Calls.bpf_map__fd(handle);
        if (fd < 0) {
            throw new IllegalStateException("map " + name + " has no file descriptor: load the object first");
        }
        owner.requireOpen();
        return fd;
    }

    public int type() {
        return Calls.bpf_map__type(handle);
    }

    public int keySize() {
        return Calls.bpf_map__key_size(handle);
    }

    public int valueSize() {
        return Calls.bpf_map__value_size(handle);
    }

    public int maxEntries() {
        return Calls.bpf_map__max_entries(handle);
    }

    /** Before load only. */
    public void setMaxEntries(int maxEntries) {
        owner.requireNotLoaded("set max_entries of map " + name);
        Native.check(Calls.bpf_map__set_max_entries(handle, maxEntries), "bpf_map__set_max_entries(" + name + ")");
    }

    public boolean isPerCpu() {
        int t = type();
        // PERCPU_HASH 5, PERCPU_ARRAY 6, LRU_PERCPU_HASH 10, PERCPU_CGROUP_STORAGE 21
        return t == 5 || t == 6 || t == 10 || t == 21;
    }

    /** Bytes of a lookup result: value size, or value size rounded to 8 times possible CPUs. */
    public long valueBufferSize() {
        return isPerCpu() ? Cpus.POSSIBLE * align8(valueSize()) : valueSize();
    }

    // ---- raw access --------------------------------------------------------------------

    /** Copies the value for {@code key} into {@code value}; false when absent. */
    public boolean lookup(MemorySegment key, MemorySegment value) {
        int rc = Calls.bpf_map_lookup_elem(fd(), key, value);
        if (rc == -Errno.ENOENT) {
            return false;
        }
        Native.check(rc, "lookup in map " + name);
        return true;
    }

    public void update(MemorySegment key, MemorySegment value, UpdateMode mode) {
        int rc = Calls.bpf_map_update_elem(fd(), key, value, mode.flags);
        if (rc < 0) {
            throw new KernelException("update of map " + name + " (" + mode + ")", -rc,
                    rc == -Errno.E2BIG ? "map is full (max_entries " + maxEntries() + ")" : null);
        }
    }

    /** False when the key was absent. */
    public boolean delete(MemorySegment key) {
        int rc = Calls.bpf_map_delete_elem(fd(), key);
        if (rc == -Errno.ENOENT) {
            return false;
        }
        Native.check(rc, "delete from map " + name);
        return true;
    }

    /** Writes the key after {@code key} (or the first key when {@code key} is NULL); false at the end. */
    public boolean nextKey(MemorySegment key, MemorySegment next) {
        int rc = Calls.bpf_map_get_next_key(fd(), key, next);
        if (rc == -Errno.ENOENT) {
            return false;
        }
        Native.check(rc, "iterate map " + name);
        return true;
    }

    public enum UpdateMode {
        ANY(0), CREATE_ONLY(1), REPLACE_ONLY(2);
        final long flags;

        UpdateMode(long flags) {
            this.flags = flags;
        }
    }

    // ---- typed access ------------------------------------------------------------------

    /** A typed view; codec sizes must match the map's key and value sizes. */
    public <K, V> Typed<K, V> typed(MapCodec<K> keys, MapCodec<V> values) {
        if (keys.size() != keySize() || values.size() != valueSize()) {
            throw new IllegalArgumentException("map " + name + " has key/value sizes " + keySize() + "/" + valueSize()
                    + ", codecs have " + keys.size() + "/" + values.size());
        }
        return new Typed<>(this, keys, values);
    }

    /** Typed key/value access to one map. Per-CPU maps: see {@link #perCpu(Object)}. */
    public static final class Typed<K, V> {
        private final BpfMap map;
        private final MapCodec<K> keys;
        private final MapCodec<V> values;

        Typed(BpfMap map, MapCodec<K> keys, MapCodec<V> values) {
            this.map = map;
            this.keys = keys;
            this.values = values;
        }

        public V get(K key) {
            if (map.isPerCpu()) {
                throw new UnsupportedOperationException("map " + map.name + " is per-CPU: use perCpu(key)");
            }
            try (Arena a = Arena.ofConfined()) {
                MemorySegment k = a.allocate(keys.size());
                keys.write(k, key);
                MemorySegment v = a.allocate(values.size());
                return map.lookup(k, v) ? values.read(v) : null;
            }
        }

        /** One value per possible CPU, or an empty list when the key is absent. */
        public List<V> perCpu(K key) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment k = a.allocate(keys.size());
                keys.write(k, key);
                MemorySegment v = a.allocate(map.valueBufferSize(), 8);
                if (!map.lookup(k, v)) {
                    return List.of();
                }
                if (!map.isPerCpu()) {
                    return List.of(values.read(v));
                }
                long stride = align8(values.size());
                List<V> out = new ArrayList<>(Cpus.POSSIBLE);
                for (int cpu = 0; cpu < Cpus.POSSIBLE; cpu++) {
                    out.add(values.read(v.asSlice(cpu * stride, values.size())));
                }
                return out;
            }
        }

        public void put(K key, V value) {
            put(key, value, UpdateMode.ANY);
        }

        public void put(K key, V value, UpdateMode mode) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment k = a.allocate(keys.size());
                keys.write(k, key);
                MemorySegment v = a.allocate(map.valueBufferSize(), 8);
                if (map.isPerCpu()) {
                    long stride = align8(values.size());
                    for (int cpu = 0; cpu < Cpus.POSSIBLE; cpu++) {
                        values.write(v.asSlice(cpu * stride, values.size()), value);
                    }
                } else {
                    values.write(v, value);
                }
                map.update(k, v, mode);
            }
        }

        public boolean remove(K key) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment k = a.allocate(keys.size());
                keys.write(k, key);
                return map.delete(k);
            }
        }

        /** A snapshot of the keys (maps change underneath; a key may vanish before it is read). */
        public List<K> keys() {
            List<K> out = new ArrayList<>();
            try (Arena a = Arena.ofConfined()) {
                MemorySegment cur = a.allocate(keys.size());
                MemorySegment next = a.allocate(keys.size());
                MemorySegment prev = MemorySegment.NULL;
                while (map.nextKey(prev, next)) {
                    out.add(keys.read(next));
                    MemorySegment.copy(next, 0, cur, 0, keys.size());
                    prev = cur;
                }
            }
            return out;
        }

        /** A snapshot of the entries; for per-CPU maps, use {@link #perCpu(Object)} per key. */
        public Map<K, V> entries() {
            Map<K, V> out = new LinkedHashMap<>();
            for (K k : keys()) {
                V v = get(k);
                if (v != null) {
                    out.put(k, v);
                }
            }
            return out;
        }

        public void forEach(BiConsumer<K, V> action) {
            entries().forEach(action);
        }

        /** Sum over CPUs of a per-CPU counter (long values). */
        public long sum(K key) {
            long s = 0;
            for (V v : perCpu(key)) {
                s += ((Number) v).longValue();
            }
            return s;
        }
    }

    static long align8(long n) {
        return (n + 7) & ~7L;
    }

    /** Number of possible CPUs, as the kernel sizes per-CPU map values. */
    static final class Cpus {
        static final int POSSIBLE = read();

        private static int read() {
            try {
                String s = Files.readString(Path.of("/sys/devices/system/cpu/possible")).strip();
                int max = 0;
                for (String part : s.split(",")) {
                    String[] r = part.split("-");
                    max = Math.max(max, Integer.parseInt(r[r.length - 1]));
                }
                return max + 1;
            } catch (IOException | RuntimeException e) {
                return Runtime.getRuntime().availableProcessors();
            }
        }
    }

    @Override
    public String toString() {
        return "BpfMap[" + name + ", type " + type() + ", key " + keySize() + " B, value " + valueSize()
                + " B, max " + maxEntries() + "]";
    }
}
