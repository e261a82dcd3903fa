package io.latscope.agent;

import io.latscope.Hop;
import io.latscope.bpf.NetNs;
import io.latscope.testbed.Cmd;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What README promises about privileges: a session in its own network namespace works
 * with exactly CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN, as a user other than root. The
 * session runs in a child JVM, uid 65534 (nobody) with those three capabilities only
 * (setpriv) and 64 KiB of locked memory (prlimit), inside a test namespace (nsenter:
 * {@code ip netns exec} would also remount /sys, hiding the cgroup2 mount that sockops
 * attaches to). Its traffic goes to a server of this JVM (root, all capabilities) in that
 * namespace, as a measured service would.
 */
@KernelTest
class CapabilitiesTest {
    private static final Path STATS_SYSCTL = Path.of("/proc/sys/kernel/bpf_stats_enabled");

    @Test
    void aSessionInItsOwnNamespaceWorksWithOnlyCapBpfCapPerfmonAndCapNetAdmin() throws Exception {
        assertThat(Files.readString(STATS_SYSCTL).strip()).as("kernel.bpf_stats_enabled must be 0 for this test").isEqualTo("0");
        Child c = runChild(5411);
        for (Hop h : LocalSessionTest.ALL) {
            assertThat(c.lines("HOP " + h + " ")).as(h + "\n" + c).singleElement()
                    .satisfies(l -> assertThat(Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).isPositive());
        }
        assertThat(c.lines("UNAVAILABLE")).as(c.toString()).isEmpty();
        // what needs more is named, with the capability that would restore it: in the report, and once in the log
        assertThat(c.lines("NOT MEASURED probe self-cost :: ")).as(c.toString()).singleElement().asString()
                .contains("BPF_ENABLE_STATS needs CAP_SYS_ADMIN");
        assertThat(c.lines("PROBE COST")).as(c.toString()).isEmpty();
        assertThat(c.stderr().lines().filter(l -> l.contains(" WARN ")).map(l -> l.substring(l.indexOf(" WARN ") + 6)))
                .as(c.stderr()).containsExactlyInAnyOrder(
                "io.latscope.agent.LocalProbes - probe self-cost not measured: BPF_ENABLE_STATS needs"
                        + " CAP_SYS_ADMIN, which this process lacks (or root sets kernel.bpf_stats_enabled=1 beforehand)",
                "io.latscope.agent.EndpointSampler - CPU and memory of endpoint processes not measured: a process at"
                        + " an end of a flow was not found: reading the descriptors (/proc/PID/fd) of another user's or a"
                        + " more privileged process needs CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH; this process lacks"
                        + " CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH");
        // the client's end is the child itself; the server's (root, all capabilities) is beyond it
        assertThat(c.lines("PROCESS " + c.pid() + " ")).as(c.toString()).hasSize(1);
        assertThat(c.lines("PROCESS " + ProcessHandle.current().pid() + " ")).as(c.toString()).isEmpty();
        assertThat(c.lines("NOT MEASURED endpoint processes :: ")).as(c.toString()).singleElement().asString()
                .contains("CAP_SYS_PTRACE");
    }

    @Test
    void withStatisticsRootKeepsOnProbeSelfCostIsMeasuredWithoutCapSysAdmin() throws Exception {
        assertThat(Files.readString(STATS_SYSCTL).strip()).as("kernel.bpf_stats_enabled must be 0 for this test").isEqualTo("0");
        Child c;
        Files.writeString(STATS_SYSCTL, "1");
        try {
            c = runChild(5412);
        } finally {
            Files.writeString(STATS_SYSCTL, "0");
        }
        assertThat(c.lines("HOP END_TO_END ")).as(c.toString()).hasSize(1);
        assertThat(c.lines("NOT MEASURED probe self-cost")).as(c.toString()).isEmpty();
        assertThat(c.lines("PROBE COST")).as(c.toString()).isNotEmpty()
                .allSatisfy(l -> assertThat(Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).isPositive());
        assertThat(c.stderr()).contains("probe self-cost from the statistics root keeps on for the machine")
                .doesNotContain("probe self-cost not measured");
    }

    /** Output of one child run; {@link #runChild} checks what every run shows (capabilities, other namespaces, feature probes). */
    private record Child(String stdout, String stderr) {
        List<String> lines(String prefix) {
            return stdout.lines().filter(l -> l.startsWith(prefix)).toList();
        }

        long pid() {
            return Long.parseLong(lines("PID ").getFirst().substring(4));
        }

        @Override
        public String toString() {
            return stdout + "\n--- stderr\n" + stderr;
        }
    }

    private static Child runChild(int port) throws Exception {
        String setpriv = require("setpriv");
        String nsenter = require("nsenter");
        String prlimit = require("prlimit");
        Path copy = Files.createTempDirectory("latscope-caps", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        try (TestNetwork net = TestNetwork.create()) {
            NetNs own = net.namespace("own");
            NetNs other = net.namespace("other");
            try (ServerSocket server = own.run(() -> new ServerSocket(port, 1, InetAddress.getLoopbackAddress()))) {
                Thread sink = Thread.ofPlatform().name("caps-sink").start(() -> drain(server));
                // locked memory limited to 64 KiB: BPF maps (a 16 MiB ring) are charged to the memory cgroup
                Cmd.Result r = Cmd.exec(List.of(nsenter, "--net=" + own.path(), prlimit, "--memlock=65536",
                        setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                        "--inh-caps=-all,+bpf,+perfmon,+net_admin", "--ambient-caps=-all,+bpf,+perfmon,+net_admin",
                        "--bounding-set=-all,+bpf,+perfmon,+net_admin",
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:-UsePerfData",
                        "--enable-native-access=ALL-UNNAMED", "-cp", copyClassPath(copy),
                        ThreeCapabilitiesMain.class.getName(), Integer.toString(port), other.name()));
                sink.join(10_000);
                Child c = new Child(r.stdout(), r.stderr());
                System.out.println(c); // what a user of the three capabilities sees
                assertThat(r.exit()).as(c.toString()).isZero();
                // the child checked its own set; this says what it was
                assertThat(c.lines("CapEff:")).as(c.toString()).containsExactly("CapEff:\t000000c000001000");
                assertThat(c.lines("Uid:")).as(c.toString()).containsExactly("Uid:\t65534\t65534\t65534\t65534");
                assertThat(c.lines("Max locked memory")).as(c.toString()).singleElement().asString().contains(" 65536 ");
                // asked for another namespace, a session fails at once, naming the capability it lacks
                assertThat(c.lines("OTHER NAMESPACE ")).as(c.toString()).singleElement().asString()
                        .startsWith("OTHER NAMESPACE NotSupportedException: measuring other network namespaces is not supported")
                        .contains("entering " + other.name() + " (setns) needs CAP_SYS_ADMIN, which this process lacks");
                // a feature probe that needs a throwaway namespace cannot decide; it does not claim "not supported"
                assertThat(c.lines("FEATURE XDP ")).as(c.toString()).singleElement().asString()
                        .startsWith("FEATURE XDP COULD_NOT_DECIDE :: ").contains("needs CAP_SYS_ADMIN");
                return c;
            }
        } finally {
            deleteTree(copy);
        }
    }

    /** Reads one connection to its end, then closes it (the client waits for that). */
    private static void drain(ServerSocket server) {
        try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The path of a tool; fails, naming the package, when it is missing. */
    private static String require(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError(tool + " is missing: it starts the child with exactly three capabilities in a test"
                + " namespace (Debian/Ubuntu: apt-get install util-linux; scripts/bootstrap installs it)");
    }

    /** Copies the class path into {@code dir}, readable by uid 65534 (Maven's repository under /root is not). */
    private static String copyClassPath(Path dir) throws IOException {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(":")) {
            Path from = Path.of(e);
            if (!Files.exists(from)) {
                continue;
            }
            Path to = dir.resolve(entries.size() + "-" + from.getFileName());
            try (Stream<Path> all = Files.walk(from)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    Files.copy(p, to.resolve(from.relativize(p).toString()));
                }
            }
            entries.add(to.toString());
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return String.join(":", entries);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
