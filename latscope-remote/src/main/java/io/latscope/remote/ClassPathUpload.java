package io.latscope.remote;

import io.latscope.error.RemoteHostException;
import io.latscope.error.ConfigurationException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The agent's class path on a host: every entry as {@code ~/.cache/latscope/<sha256>.jar}.
 * A directory is packed into a jar deterministically (sorted entries, fixed times), so the
 * same classes give the same checksum and the host's copy is reused. Uploads go through
 * {@code cat} into a temporary file, are checked with sha256sum on the host and only then
 * renamed into place, so a cut connection never leaves a bad cache entry. Entries unused for
 * {@value #PRUNE_DAYS} days are removed.
 */
final class ClassPathUpload {
    static final String CACHE_DIR = ".cache/latscope";
    static final int PRUNE_DAYS = 30;
    private static final LocalDateTime ZIP_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);
    private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration UPLOAD_TIMEOUT = Duration.ofMinutes(10);
    /** Checksums of jar files by path, size and modification time: hashing 30 jars per host adds up. */
    private static final Map<String, String> JAR_SUMS = new ConcurrentHashMap<>();

    /**
     * Lists the checksums of the wanted files the cache holds. Marks them used (mtime) and
     * prunes what no start has used for {@value #PRUNE_DAYS} days — every rebuild of a class
     * directory makes a new jar — and uploads cut off more than a day ago.
     */
    private static final String CHECK_SCRIPT = """
            dir=$1; shift
            mkdir -p "$dir" && chmod 700 "$dir" && cd "$dir" || exit 1
            for f in "$@"; do if [ -f "$f" ]; then touch "$f"; fi; done
            find . -maxdepth 1 -type f -name '*.jar' -mtime +%d -exec rm -f {} + 2>/dev/null
            find . -maxdepth 1 -type f -name '.upload-*' -mtime +1 -exec rm -f {} + 2>/dev/null
            for f in "$@"; do if [ -f "$f" ]; then sha256sum "$f"; fi; done
            exit 0
            """.formatted(PRUNE_DAYS);

    /** A local class path entry, ready to upload: {@code file} is the jar itself or a packed directory. */
    record Entry(Path source, Path file, String sha256, boolean packed) {
        String remoteName() {
            return sha256 + ".jar";
        }
    }

    /** What a start uploaded. */
    record Outcome(List<String> remotePaths, int uploadedFiles, long uploadedBytes) {
    }

    private ClassPathUpload() {
    }

    /** Hashes jars and packs directories; the caller deletes packed files with {@link #cleanUp}. */
    static List<Entry> prepare(List<Path> classPath) {
        List<Entry> out = new ArrayList<>();
        try {
            for (Path p : classPath) {
                if (Files.isDirectory(p)) {
                    Path jar = Files.createTempFile("latscope-classes-", ".jar");
                    out.add(new Entry(p, jar, sha256(pack(p, jar)), true));
                } else if (Files.isRegularFile(p)) {
                    out.add(new Entry(p, p, jarSum(p), false));
                } else {
                    throw new ConfigurationException("agent class path entry " + p + " does not exist");
                }
            }
            return out;
        } catch (IOException e) {
            cleanUp(out);
            throw new UncheckedIOException("preparing the agent's class path for upload", e);
        } catch (RuntimeException e) {
            cleanUp(out);
            throw e;
        }
    }

    static void cleanUp(List<Entry> entries) {
        for (Entry e : entries) {
            if (e.packed()) {
                try {
                    Files.deleteIfExists(e.file());
                } catch (IOException ignored) {
                    // a temporary file; the OS cleans /tmp eventually
                }
            }
        }
    }

    /** Uploads the entries the host lacks (or holds corrupted) and returns the remote class path. */
    static Outcome upload(SshConnection c, List<Entry> entries) {
        String dir = c.home() + "/" + CACHE_DIR;
        List<String> names = entries.stream().map(Entry::remoteName).distinct().toList();
        List<String> args = new ArrayList<>(List.of(dir));
        args.addAll(names);
        SshConnection.Result check = c.script(CHECK_SCRIPT, args, CHECK_TIMEOUT);
        if (check.exit() != 0) {
            throw new RemoteHostException(c.host().label(), "cannot create the agent cache " + dir, check.command(),
                    check.exit(), check.stderr());
        }
        Set<String> present = new HashSet<>();
        for (String line : check.stdout().lines().toList()) {
            String[] f = line.split("\\s+", 2);
            if (f.length == 2 && f[1].equals(f[0] + ".jar")) {
                present.add(f[1]);
            }
        }
        int files = 0;
        long bytes = 0;
        Set<String> done = new HashSet<>(present);
        for (Entry e : entries) {
            if (done.add(e.remoteName())) {
                bytes += send(c, dir, e);
                files++;
            }
        }
        List<String> remote = entries.stream().map(e -> dir + "/" + e.remoteName()).distinct().toList();
        return new Outcome(remote, files, bytes);
    }

    private static long send(SshConnection c, String dir, Entry e) {
        String tmp = dir + "/.upload-" + e.sha256().substring(0, 12) + "-" + Long.toHexString(System.nanoTime());
        String cmd = "umask 077; cat > " + Shell.quote(tmp) + " && printf '%s  %s\\n' " + e.sha256() + " " + Shell.quote(tmp)
                + " | sha256sum -c --status && mv -f " + Shell.quote(tmp) + " " + Shell.quote(dir + "/" + e.remoteName())
                + " || { rm -f " + Shell.quote(tmp) + "; exit 3; }";
        try (InputStream in = Files.newInputStream(e.file())) {
            SshConnection.Result r = c.exec(cmd, in, UPLOAD_TIMEOUT);
            if (r.exit() != 0) {
                throw new RemoteHostException(c.host().label(), "uploading " + e.source() + " failed (checksum mismatch or"
                        + " disk full?)", r.command(), r.exit(), r.stderr());
            }
            return Files.size(e.file());
        } catch (IOException x) {
            throw new RemoteHostException(c.host().label(), "cannot read " + e.file() + " to upload it: " + x.getMessage(), x);
        }
    }

    /** Zips a directory into {@code jar} deterministically; returns {@code jar}. */
    static Path pack(Path dir, Path jar) throws IOException {
        List<Path> paths;
        try (Stream<Path> s = Files.walk(dir)) {
            paths = s.filter(p -> !p.equals(dir)).sorted((a, b) -> entryName(dir, a).compareTo(entryName(dir, b))).toList();
        }
        try (OutputStream os = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Path p : paths) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                if (!a.isDirectory() && !a.isRegularFile()) {
                    continue;
                }
                ZipEntry ze = new ZipEntry(entryName(dir, p) + (a.isDirectory() ? "/" : ""));
                ze.setTimeLocal(ZIP_TIME);
                zip.putNextEntry(ze);
                if (a.isRegularFile()) {
                    Files.copy(p, zip);
                }
                zip.closeEntry();
            }
        }
        return jar;
    }

    private static String entryName(Path dir, Path p) {
        return dir.relativize(p).toString().replace('\\', '/');
    }

    private static String jarSum(Path jar) throws IOException {
        BasicFileAttributes a = Files.readAttributes(jar, BasicFileAttributes.class);
        String key = jar.toAbsolutePath() + "|" + a.size() + "|" + a.lastModifiedTime().toMillis();
        String sum = JAR_SUMS.get(key);
        if (sum == null) {
            sum = sha256(jar);
            JAR_SUMS.put(key, sum);
        }
        return sum;
    }

    static String sha256(Path file) throws IOException {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
