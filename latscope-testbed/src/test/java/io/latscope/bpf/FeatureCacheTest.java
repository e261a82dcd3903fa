package io.latscope.bpf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Feature answers kept across processes: only under the same key, only definite ones, only in a trusted place. */
class FeatureCacheTest {
    private static final FeatureStatus NETFILTER = new FeatureStatus(Feature.NETFILTER, FeatureStatus.Outcome.SUPPORTED, "");
    private static final FeatureStatus FENTRY = new FeatureStatus(Feature.FENTRY, FeatureStatus.Outcome.NOT_SUPPORTED,
            "loading BPF object features (program feat_fentry): EPERM (operation not permitted)");
    private static final FeatureStatus XDP = new FeatureStatus(Feature.XDP, FeatureStatus.Outcome.COULD_NOT_DECIDE,
            "deciding needs a throwaway network namespace");

    /** Tests run as root; the cache checks ownership against the uid it is given. */
    private static final int UID = uid();

    @TempDir
    Path tmp;

    private static int uid() {
        try {
            return FeatureCache.effectiveUid();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void definiteAnswersComeBackUnderTheSameKeyOnly() throws Exception {
        Path dir = tmp.resolve("cache");
        Map<Feature, FeatureStatus> known = new EnumMap<>(Feature.class);
        known.put(Feature.NETFILTER, NETFILTER);
        known.put(Feature.FENTRY, FENTRY);
        known.put(Feature.XDP, XDP);
        new FeatureCache(dir, "boot-1|6.18|abc|0|1ff|none", UID).write(known);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");

        Map<Feature, FeatureStatus> back = new FeatureCache(dir, "boot-1|6.18|abc|0|1ff|none", UID).read();
        assertThat(back).containsOnlyKeys(Feature.NETFILTER, Feature.FENTRY); // an undecided answer is probed again
        assertThat(back.get(Feature.FENTRY)).isEqualTo(FENTRY);
        assertThat(back.get(Feature.NETFILTER)).isEqualTo(NETFILTER);
        // another boot, kernel, object, uid, capability set or lockdown state: nothing
        assertThat(new FeatureCache(dir, "boot-2|6.18|abc|0|1ff|none", UID).read()).isEmpty();
        assertThat(new FeatureCache(dir, "boot-1|6.18|abc|0|3000|none", UID).read()).isEmpty();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("features.properties"); // no temp left
        }
    }

    @Test
    void aDirectoryOthersCanWriteIsNeitherReadNorWritten() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("open"));
        new FeatureCache(dir, "k", UID).write(Map.of(Feature.NETFILTER, NETFILTER));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThat(new FeatureCache(dir, "k", UID).read()).isEmpty();
        Files.delete(dir.resolve("features.properties"));
        new FeatureCache(dir, "k", UID).write(Map.of(Feature.NETFILTER, NETFILTER));
        assertThat(dir.resolve("features.properties")).doesNotExist();
    }

    @Test
    void aFileOthersCanWriteOrASymbolicLinkIsNotRead() throws Exception {
        Path dir = tmp.resolve("c");
        new FeatureCache(dir, "k", UID).write(Map.of(Feature.NETFILTER, NETFILTER));
        Path file = dir.resolve("features.properties");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThat(new FeatureCache(dir, "k", UID).read()).isEmpty();
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Path elsewhere = Files.move(file, tmp.resolve("real.properties"));
        Files.createSymbolicLink(file, elsewhere);
        assertThat(new FeatureCache(dir, "k", UID).read()).isEmpty();
    }

    @Test
    void aDamagedFileIsIgnored() throws Exception {
        Path dir = tmp.resolve("d");
        new FeatureCache(dir, "k", UID).write(Map.of(Feature.NETFILTER, NETFILTER));
        Files.writeString(dir.resolve("features.properties"), "key=k\nNETFILTER.outcome=MAYBE\n");
        assertThat(new FeatureCache(dir, "k", UID).read()).isEmpty();
    }

    @Test
    void theKeyOfThisProcessNamesItsBootKernelAndPrivileges() throws Exception {
        // the uid it reads is the one a file this process creates belongs to
        assertThat(Files.getAttribute(Files.createFile(tmp.resolve("mine")), "unix:uid")).isEqualTo(UID);
        String key = FeatureCache.key(UID);
        assertThat(key.split("\\|")).hasSize(6);
        assertThat(key).startsWith(Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip() + "|")
                .contains("|" + io.latscope.error.KernelRelease.get() + "|")
                .contains("|" + UID + "|" + Long.toHexString(Capability.effectiveMask()) + "|");
    }
}
