package io.latscope.bpf;

import io.latscope.error.KernelRelease;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Definite feature-probe answers kept across processes until the next boot, so that a fresh
 * JVM does not load the probe object again for each feature it asks about (every load parses
 * the kernel's BTF, ~30 ms, and the netfilter probe used a throwaway namespace besides).
 *
 * <p>The answers are valid for one {@link #key(int) key}: boot id, kernel release, the bundled
 * features object's digest, the effective uid and capabilities and the kernel's lockdown
 * state. Anything else that changes an answer within a boot (a security module loaded later)
 * is caught where it matters: a program the kernel refuses at load is left out by name, as
 * without the cache. {@code latscope doctor} probes afresh.
 *
 * <p>The file, {@code /run/latscope/features.properties} (tmpfs: gone at reboot), is used only
 * in a directory that belongs to this process's effective uid and that no one else can
 * write; otherwise, or with {@code -Dlatscope.featureCache=off}, nothing is read or written.
 * Failing to read or write it is never an error: the features are then probed.
 */
final class FeatureCache {
    /** Created at the first message: SLF4J's start (a scan of every jar on the class path) stays out of a session's. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(FeatureCache.class);
    }
    /** System property: {@code off} to neither read nor write the cache. */
    static final String PROPERTY = "latscope.featureCache";
    static final Path DIR = Path.of("/run/latscope");
    private static final String FILE = "features.properties";

    private final Path dir;
    private final String key;
    /** The effective uid the directory and file must belong to (read once, it is also in the key). */
    private final int uid;

    FeatureCache(Path dir, String key, int uid) {
        this.dir = dir;
        this.key = key;
        this.uid = uid;
    }

    /** The cache of this process, or null when it is switched off or no key can be formed. */
    static FeatureCache ofThisProcess() {
        if ("off".equalsIgnoreCase(System.getProperty(PROPERTY, "on"))) {
            return null;
        }
        try {
            int uid = effectiveUid();
            return new FeatureCache(DIR, key(uid), uid);
        } catch (IOException | RuntimeException e) {
            Log.LOG.debug("feature cache unused: {}", e.toString());
            return null;
        }
    }

    /** What the answers depend on, one line, for a process of effective uid {@code uid}. */
    static String key(int uid) throws IOException {
        String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
        Path lockdown = Path.of("/sys/kernel/security/lockdown");
        String lock = Files.isReadable(lockdown) ? Files.readString(lockdown).strip() : "-";
        return String.join("|", boot, KernelRelease.get(), featuresDigest(), Integer.toString(uid),
                Long.toHexString(Capability.effectiveMask()), lock);
    }

    /**
     * The bundled feature probes' size and CRC-32C: answers from another build's probes are not
     * this build's (a checksum, not a secure digest: java.security's first use costs a fresh
     * JVM ~4 ms, and a collision would only reuse answers within one boot and kernel).
     */
    private static String featuresDigest() throws IOException {
        try (InputStream in = BpfObject.class.getResourceAsStream(BpfObject.BUNDLED_DIR + "features.bpf.o")) {
            if (in == null) {
                throw new IOException("features.bpf.o not bundled");
            }
            byte[] elf = in.readAllBytes();
            CRC32C crc = new CRC32C();
            crc.update(elf);
            return elf.length + "-" + Long.toHexString(crc.getValue());
        }
    }

    static int effectiveUid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return Integer.parseInt(line.substring(4).strip().split("\\s+")[1]);
            }
        }
        throw new IOException("no Uid line in /proc/self/status");
    }

    /** The definite answers stored under this key; empty when there are none or the file is not to be trusted. */
    Map<Feature, FeatureStatus> read() {
        Map<Feature, FeatureStatus> out = new EnumMap<>(Feature.class);
        Path file = dir.resolve(FILE);
        try {
            if (!trusted(dir) || !trusted(file)) {
                return out;
            }
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                p.load(in);
            }
            if (!key.equals(p.getProperty("key"))) {
                return out;
            }
            for (Feature f : Feature.values()) {
                String outcome = p.getProperty(f.name() + ".outcome");
                if (outcome == null) {
                    continue;
                }
                FeatureStatus.Outcome o = FeatureStatus.Outcome.valueOf(outcome);
                if (o != FeatureStatus.Outcome.COULD_NOT_DECIDE) {
                    out.put(f, new FeatureStatus(f, o, p.getProperty(f.name() + ".reason", "")));
                }
            }
        } catch (IOException | RuntimeException e) {
            Log.LOG.debug("feature cache {} not read: {}", file, e.toString());
            out.clear();
        }
        return out;
    }

    /** Stores {@code known} (definite answers only) under this key, replacing the file atomically. */
    void write(Map<Feature, FeatureStatus> known) {
        Path file = dir.resolve(FILE);
        Path tmp = null;
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            if (!trusted(dir)) {
                return;
            }
            Properties p = new Properties();
            p.setProperty("key", key);
            known.forEach((f, s) -> {
                if (s.isDefinite()) {
                    p.setProperty(f.name() + ".outcome", s.outcome().name());
                    p.setProperty(f.name() + ".reason", s.reason() == null ? "" : s.reason());
                }
            });
            tmp = Files.createTempFile(dir, FILE, ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                p.store(new java.io.OutputStreamWriter(out, StandardCharsets.ISO_8859_1),
                        "LatScope feature probes, valid for the key until the next boot");
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (java.nio.file.AccessDeniedException e) {
            // not root: no cache, as designed; nothing to say (a message would start SLF4J in every start)
        } catch (IOException | RuntimeException e) {
            Log.LOG.debug("feature cache {} not written: {}", file, e.toString());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort
                }
            }
        }
    }

    /** Owned by this process's effective uid, not a symbolic link, and writable by no one else. */
    private boolean trusted(Path p) throws IOException {
        // absent (the directory too, before the first process of a boot writes it), or a link
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(p)) {
            return false;
        }
        int owner = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        return owner == uid && !perms.contains(PosixFilePermission.GROUP_WRITE)
                && !perms.contains(PosixFilePermission.OTHERS_WRITE);
    }
}
