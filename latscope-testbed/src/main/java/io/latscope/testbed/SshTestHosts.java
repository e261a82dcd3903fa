package io.latscope.testbed;

import io.latscope.error.ConfigurationException;
import io.latscope.error.LatScopeException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * SSH "hosts" for tests: one {@code sshd} per network namespace, each on its namespace's
 * address port 22, reachable from this (root-namespace) JVM through a bridge in the root
 * namespace. Each sshd has its own host key and runs in a private mount namespace where
 * {@code /root} is a per-host directory (so every host has its own {@code ~/.cache}) and
 * the paths its {@link HostSpec} hides are covered by empty tmpfs mounts — a host without
 * BTF or without Java 25 on one machine. Nothing on the machine is changed: the test user
 * {@value #TEST_USER} (password auth, not root) exists only in the sshds' view of
 * {@code /etc/passwd}, and so does its sudo rule in {@code /etc/sudoers}.
 *
 * <pre>{@code
 * try (TestNetwork net = TestNetwork.create();
 *      SshTestHosts ssh = SshTestHosts.start(net, "10.77.0.1/24",
 *              List.of(new HostSpec("h1", "10.77.0.11/24"), new HostSpec("h2", "10.77.0.12/24").withoutBtf()))) {
 *     Endpoint h1 = ssh.host("h1");
 *     Host.Ssh host = Host.ssh(h1.address()).label(h1.name()).key(h1.privateKey()).knownHosts(h1.knownHosts());
 * }
 * }</pre>
 *
 * {@link #close()} kills every process left in the hosts' namespaces (sshd and whatever
 * sessions started) and fails if any survives.
 */
public final class SshTestHosts implements AutoCloseable {
    /** A non-root user that logs in with {@link #testUserPassword()} (and with the client key). */
    public static final String TEST_USER = "lstest";
    public static final int TEST_USER_UID = 4242;
    private static final String SSHD = "/usr/sbin/sshd";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);

    /**
     * A host to start: namespace short name, address with prefix ({@code 10.77.0.11/24}),
     * and paths to hide from its sshd and its sessions.
     */
    public record HostSpec(String name, String address, List<String> hiddenPaths, boolean testUserSudo) {
        public HostSpec {
            hiddenPaths = List.copyOf(hiddenPaths);
            if (!address.contains("/")) {
                throw new ConfigurationException("host " + name + ": address needs a prefix length, e.g. 10.77.0.11/24");
            }
        }

        public HostSpec(String name, String address) {
            this(name, address, List.of(), false);
        }

        /** Hides directories behind empty tmpfs mounts in this host's view. */
        public HostSpec hiding(String... paths) {
            List<String> all = new ArrayList<>(hiddenPaths);
            all.addAll(List.of(paths));
            return new HostSpec(name, address, all, testUserSudo);
        }

        /**
         * Lets {@link #TEST_USER} run anything with {@code sudo -n} on this host (a sudoers
         * file seen only there, with Debian's defaults otherwise). Needs sudo installed.
         */
        public HostSpec withPasswordlessSudo() {
            if (!Files.isRegularFile(Path.of("/etc/sudoers"))) {
                throw new ConfigurationException("sudo is not installed (apt-get install sudo; scripts/bootstrap does)");
            }
            return new HostSpec(name, address, hiddenPaths, true);
        }

        /** A host whose kernel seems to have no BTF: {@code /sys/kernel/btf} is empty. */
        public HostSpec withoutBtf() {
            return hiding("/sys/kernel/btf");
        }

        /** Hides every JDK under /usr/lib/jvm whose {@code release} file says Java {@code feature}. */
        public HostSpec withoutJava(int feature) {
            List<String> jdks = jdkHomes(feature);
            if (jdks.isEmpty()) {
                throw new ConfigurationException("no Java " + feature + " under /usr/lib/jvm to hide");
            }
            return hiding(jdks.toArray(String[]::new));
        }
    }

    /**
     * A running test host. {@code address} has no prefix length; {@code privateKey} is the
     * client key authorized for root and {@link #TEST_USER}; {@code knownHosts} lists every
     * host of this set.
     */
    public record Endpoint(String name, String nsName, String address, int port, String user, Path privateKey,
                           Path knownHosts, String hostKeyLine, long sshdPid) {
    }

    private final TestNetwork net;
    private final Path dir;
    private final Path clientKey;
    private final Path knownHosts;
    private final String password;
    private final Map<String, Endpoint> hosts = new LinkedHashMap<>();
    private final Map<String, Process> sshds = new LinkedHashMap<>();
    private boolean closed;

    private SshTestHosts(TestNetwork net, Path dir, String password) {
        this.net = net;
        this.dir = dir;
        this.clientKey = dir.resolve("client_ed25519");
        this.knownHosts = dir.resolve("known_hosts");
        this.password = password;
    }

    /**
     * Creates a namespace per host in {@code net}, connects them to a new root-namespace
     * bridge with address {@code bridgeAddr}, and starts and waits for every sshd. Fails,
     * having stopped what it started, if one does not come up.
     */
    private String bridge;

    public static SshTestHosts start(TestNetwork net, String bridgeAddr, List<HostSpec> specs) {
        SshTestHosts t = new SshTestHosts(net, tempDir(), randomPassword());
        try {
            t.prepare();
            String bridge = net.rootBridge(bridgeAddr);
            t.bridge = bridge;
            for (HostSpec s : specs) {
                net.namespace(s.name());
                net.connectToRootBridge(s.name(), s.address(), bridge);
            }
            for (HostSpec s : specs) {
                t.startSshd(s);
            }
            t.writeKnownHosts();
            for (Endpoint e : t.hosts.values()) {
                t.awaitListening(e);
            }
            return t;
        } catch (RuntimeException e) {
            try {
                t.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The root-namespace bridge the hosts hang off (give it no address to add a {@link TestNetwork#rootPort}). */
    public String bridge() {
        return bridge;
    }

    public Endpoint host(String name) {
        Endpoint e = hosts.get(name);
        if (e == null) {
            throw new ConfigurationException("no SSH test host " + name + "; have " + hosts.keySet());
        }
        return e;
    }

    public List<Endpoint> hosts() {
        return List.copyOf(hosts.values());
    }

    /** The private key authorized on every host (ed25519, no passphrase). */
    public Path clientKey() {
        return clientKey;
    }

    /** known_hosts with every host's key. */
    public Path knownHosts() {
        return knownHosts;
    }

    /** Authorizes another public key (an OpenSSH .pub file) for root and the test user on every host. */
    public void authorize(Path publicKey) {
        try {
            Files.writeString(dir.resolve("authorized_keys"), Files.readString(publicKey).strip() + "\n",
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("authorizing " + publicKey, e);
        }
    }

    /** Password of {@link #TEST_USER}, random per instance. */
    public String testUserPassword() {
        return password;
    }

    /** What a host's sessions see as {@code /root} (root's home there). */
    public Path rootHome(String name) {
        host(name);
        return dir.resolve(name).resolve("home");
    }

    /** Directory of keys, configs and logs; deleted on close. */
    public Path dir() {
        return dir;
    }

    /** The sshd log of a host (sshd -e writes to stderr, which goes here), for failure messages. */
    public String sshdLog(String name) {
        try {
            return Files.readString(dir.resolve(name).resolve("sshd.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Pids of processes in a host's namespace (sshd, sessions, what they started). */
    public List<Long> pidsIn(String name) {
        return Cmd.run("ip", "netns", "pids", net.nsName(name)).lines().map(String::strip)
                .filter(l -> !l.isEmpty()).map(Long::parseLong).toList();
    }

    private void prepare() {
        Cmd.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "latscope-test-client", "-f", clientKey.toString());
        try {
            Path auth = dir.resolve("authorized_keys");
            Files.copy(dir.resolve("client_ed25519.pub"), auth);
            // sshd reads it with the user's rights, also as the non-root test user
            Files.setPosixFilePermissions(auth, PosixFilePermissions.fromString("rw-r--r--"));
            String hash = Cmd.run("sh", "-c", "printf %s \"$1\" | openssl passwd -6 -stdin", "sh", password).strip();
            // the hash inline in passwd (not "x"): pam_unix checks it without a shadow entry
            String passwd = Files.readString(Path.of("/etc/passwd"));
            Files.writeString(dir.resolve("passwd"), passwd + (passwd.endsWith("\n") ? "" : "\n") + TEST_USER + ":" + hash
                    + ":" + TEST_USER_UID + ":" + TEST_USER_UID + "::" + dir.resolve("home-" + TEST_USER) + ":/bin/sh\n");
            Path userHome = Files.createDirectories(dir.resolve("home-" + TEST_USER));
            Cmd.run("chown", TEST_USER_UID + ":" + TEST_USER_UID, userHome.toString());
            Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege separation directory
        } catch (IOException e) {
            throw new UncheckedIOException("preparing SSH test hosts in " + dir, e);
        }
    }

    private void startSshd(HostSpec s) {
        Path h = dir.resolve(s.name());
        String addr = s.address().substring(0, s.address().indexOf('/'));
        try {
            Files.createDirectories(h.resolve("home"));
            Files.setPosixFilePermissions(h, PosixFilePermissions.fromString("rwx--x--x"));
            Path hostKey = h.resolve("ssh_host_ed25519_key");
            Cmd.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", hostKey.toString());
            Path config = h.resolve("sshd_config");
            Files.writeString(config, String.join("\n",
                    "ListenAddress " + addr + ":22",
                    "HostKey " + hostKey,
                    "PidFile " + h.resolve("sshd.pid"),
                    "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
                    "StrictModes no",
                    "PermitRootLogin yes",
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication yes",
                    "KbdInteractiveAuthentication no",
                    "UsePAM yes",
                    "UseDNS no",
                    "PrintMotd no",
                    "MaxStartups 100",
                    "LogLevel VERBOSE",
                    ""));
            // Private mount namespace: a per-host /root, the hidden paths, and the test user.
            StringBuilder sh = new StringBuilder("set -e; ");
            sh.append("mount --bind ").append(q(h.resolve("home").toString())).append(" /root; ");
            for (String p : s.hiddenPaths()) {
                sh.append("mount -t tmpfs -o size=64k,mode=0755 latscope-hidden ").append(q(p)).append("; ");
            }
            sh.append("mount --bind ").append(q(dir.resolve("passwd").toString())).append(" /etc/passwd; ");
            if (s.testUserSudo()) {
                Path sudoers = h.resolve("sudoers");
                Files.writeString(sudoers, String.join("\n",
                        "Defaults env_reset",
                        "Defaults secure_path=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"",
                        "Defaults use_pty",
                        "root ALL=(ALL:ALL) ALL",
                        TEST_USER + " ALL=(ALL:ALL) NOPASSWD: ALL", ""));
                Files.setPosixFilePermissions(sudoers, PosixFilePermissions.fromString("r--r-----"));
                sh.append("mount --bind ").append(q(sudoers.toString())).append(" /etc/sudoers; ");
            }
            sh.append("exec ").append(SSHD).append(" -D -e -f ").append(q(config.toString()));
            // nsenter --net, not ip netns exec: the latter remounts /sys, hiding tracefs, bpffs and
            // cgroup2 from the agents this host runs (a real host has them)
            Process p = new ProcessBuilder("nsenter", "--net=" + net.ns(s.name()).path(), "unshare", "--mount",
                    "--propagation", "private", "sh", "-c", sh.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(h.resolve("sshd.log").toFile())
                    .redirectErrorStream(true)
                    .start();
            sshds.put(s.name(), p);
            String line = addr + " " + Files.readString(h.resolve("ssh_host_ed25519_key.pub")).strip();
            hosts.put(s.name(), new Endpoint(s.name(), net.nsName(s.name()), addr, 22, "root", clientKey, knownHosts,
                    line, p.pid()));
        } catch (IOException e) {
            throw new UncheckedIOException("starting sshd for test host " + s.name(), e);
        }
    }

    private void writeKnownHosts() {
        StringBuilder sb = new StringBuilder();
        for (Endpoint e : hosts.values()) {
            sb.append(e.hostKeyLine()).append('\n');
        }
        try {
            Files.writeString(knownHosts, sb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitListening(Endpoint e) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Process p = sshds.get(e.name());
        while (true) {
            if (!p.isAlive()) {
                throw new LatScopeException("sshd of test host " + e.name() + " exited with " + p.exitValue() + ": "
                        + sshdLog(e.name()).strip());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(e.address(), e.port()), 200);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new LatScopeException("sshd of test host " + e.name() + " does not listen on " + e.address()
                            + ":" + e.port() + " after " + READY_TIMEOUT.toSeconds() + " s: " + sshdLog(e.name()).strip());
                }
                Io.sleep(50);
            }
        }
    }

    /** Kills every process in the hosts' namespaces, then deletes the directory. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> survivors = new ArrayList<>();
        for (String name : sshds.keySet()) {
            List<Long> pids = pidsIn(name);
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!(pids = pidsIn(name)).isEmpty() && System.nanoTime() < deadline) {
                Io.sleep(20);
            }
            if (!pids.isEmpty()) {
                survivors.add(name + ": " + pids);
            }
        }
        for (Process p : sshds.values()) {
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Io.deleteRecursively(dir);
        if (!survivors.isEmpty()) {
            throw new LatScopeException("processes survived SIGKILL in SSH test hosts: " + String.join("; ", survivors));
        }
    }

    /** JDK homes under /usr/lib/jvm whose release file says Java {@code feature} (symlinked aliases included). */
    static List<String> jdkHomes(int feature) {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("/usr/lib/jvm"))) {
            for (Path p : s.sorted().toList()) {
                Path release = p.resolve("release");
                if (Files.isReadable(release) && Files.readString(release).lines()
                        .anyMatch(l -> l.equals("JAVA_VERSION=\"" + feature + "\"") || l.startsWith("JAVA_VERSION=\"" + feature + "."))) {
                    out.add(p.toRealPath().toString());
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out.stream().distinct().toList();
    }

    private static Path tempDir() {
        try {
            Path d = Files.createTempDirectory("latscope-sshd-");
            // traversable, so the non-root test user reaches its home inside
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx--x--x"));
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException("creating a temporary directory for SSH test hosts", e);
        }
    }

    private static String randomPassword() {
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        return "Ls-" + HexFormat.of().formatHex(b);
    }

    private static String q(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
