package io.latscope.testbed;

import io.latscope.error.ConfigurationException;
import io.latscope.error.LatScopeException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A second kernel for tests: Debian's stock kernel ({@code linux-image-amd64}) booted under
 * qemu's software emulation (TCG; {@code -enable-kvm} hangs on these machines before the
 * kernel prints anything), with a virtio-net NIC on a tap device inside a test namespace
 * and its own sshd — an SSH host for LatScope's remote sessions on another kernel.
 *
 * <p>The guest's root file system (Debian bookworm minbase, sshd, iproute2, libbpf, the
 * kernel's network and 9p modules; {@code vm/build-rootfs.sh}) is built once per content
 * hash of its build and init scripts and kernel release into {@value #CACHE_DIR}, and booted
 * copy-on-write ({@code snapshot=on}): nothing a test does in the guest survives it. This
 * JVM's JDK and the test bed's temporary directory (tcpstamp) are shared read-only over 9p;
 * the agent's class path cache ({@code /root/.cache/latscope}) is a 9p share of
 * {@value #CACHE_DIR}{@code /agent-cache}, so an unchanged jar is uploaded once, not per boot.
 * The guest mounts bpffs, tracefs, debugfs and cgroup2 as a host does.
 *
 * <pre>{@code
 * try (TestNetwork net = TestNetwork.create();
 *      GuestVm vm = GuestVm.boot(net, "10.118")) {     // tap 10.118.0.1, guest 10.118.0.2, this JVM 10.118.1.254
 *     Host.Ssh guest = Host.ssh(vm.address()).key(vm.clientKey()).knownHosts(vm.knownHosts()).label("guest");
 *     vm.ssh("uname -r");
 * }
 * }</pre>
 *
 * Installs nothing: without qemu, the kernel or debootstrap it fails naming the packages
 * ({@code scripts/bootstrap} installs them). {@link #close()} kills qemu and fails if it
 * survives; the tap and the namespace go with the {@link TestNetwork}. qemu also dies with
 * the thread that booted it (parent-death signal), so a killed test JVM leaves no guest
 * running: boot from a thread that lives as long as the guest is needed.
 */
public final class GuestVm implements AutoCloseable {
    /** Where built root file systems and the agent's class path cache live, outside any repository. */
    public static final String CACHE_DIR = "/var/cache/latscope-vm";
    /** The namespace (short name in the {@link TestNetwork}) holding the tap and qemu. */
    public static final String NAMESPACE = "vm";
    public static final String TAP = "tap0";
    /**
     * The tick of the delay {@link #virtualNicDelay} puts into the virtual NIC: a frame waits
     * in qemu until the next tick, so on average half of it.
     */
    public static final Duration VIRTUAL_NIC_DELAY_TICK = Duration.ofMillis(40);
    private static final String DELAY_FILTER = "vnicdelay";
    private static final String QEMU = "qemu-system-x86_64";
    private static final String PACKAGES = "apt-get install qemu-system-x86 linux-image-amd64 debootstrap (scripts/bootstrap does)";
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(15);

    /**
     * How the guest looks: memory, vCPUs (TCG runs one host thread per vCPU), kernel
     * release ({@code null}: the newest {@code /boot/vmlinuz-*-amd64}).
     *
     * @param memoryMib guest memory
     * @param cpus      virtual CPUs
     * @param release   kernel release to boot, or null for the newest Debian amd64 kernel installed
     * @param shares    host directories the guest sees read-only at the same paths (the test
     *                  bed's tcpstamp directory is always among them)
     */
    public record Spec(int memoryMib, int cpus, String release, List<Path> shares) {
        public Spec {
            shares = List.copyOf(shares);
        }

        public static Spec defaults() {
            return new Spec(1536, 2, null, List.of());
        }

        /**
         * Boots Debian 12's own kernel series (6.1), the newest of it under /boot, whatever
         * newer kernel (a backports one) is installed beside it: the tests' hook
         * expectations are 6.1's.
         */
        public Spec debian12Kernel() {
            String r = kernels().stream().filter(k -> k.startsWith("6.1.")).reduce((a, b) -> b).orElseThrow(
                    () -> new ConfigurationException("no Linux 6.1 under /boot (" + kernels() + "); " + PACKAGES));
            return new Spec(memoryMib, cpus, r, shares);
        }

        /** Boots kernel {@code release} (its vmlinuz and initrd under /boot, its modules under /lib/modules). */
        public Spec withRelease(String release) {
            return new Spec(memoryMib, cpus, release, shares);
        }

        /** Also shares the directories holding this JVM's class path, so the same class path works in the guest. */
        public Spec withOwnClassPath() {
            List<Path> all = new ArrayList<>(shares);
            all.addAll(classPathRoots());
            return new Spec(memoryMib, cpus, release, all);
        }
    }

    /**
     * Directories covering this JVM's class path: each entry's first two path components
     * ({@code /work/tree}, {@code /root/.m2}), or its parent when shorter.
     */
    static List<Path> classPathRoots() {
        List<Path> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            if (e.isBlank()) {
                continue;
            }
            Path p = Path.of(e).toAbsolutePath().normalize();
            Path root = p.getNameCount() > 2 ? p.getRoot().resolve(p.subpath(0, 2)) : p.getParent();
            if (root != null && Files.isDirectory(root) && !out.contains(root)) {
                out.add(root);
            }
        }
        return out;
    }

    private final String prefix;
    private final Path dir;
    private final String release;
    private final Process qemu;
    private final String rootDevice;
    private boolean closed;
    private Duration bootTime;

    private GuestVm(String prefix, Path dir, String release, Process qemu, String rootDevice) {
        this.rootDevice = rootDevice;
        this.prefix = prefix;
        this.dir = dir;
        this.release = release;
        this.qemu = qemu;
    }

    /** {@link #boot(TestNetwork, String, Spec)} with {@link Spec#defaults()}. */
    public static GuestVm boot(TestNetwork net, String prefix) {
        return boot(net, prefix, Spec.defaults());
    }

    /**
     * Boots a guest whose NIC is {@value #TAP} in the network's namespace {@value #NAMESPACE}:
     * the tap has {@code prefix.0.1/24}, the guest {@code prefix.0.2/24} (default route via
     * the tap), and this process reaches both through a veth with {@code prefix.1.254/24}
     * (the namespace's end {@code prefix.1.1}, which routes). The clock source is pinned to
     * the TSC, so that clock_gettime stays in the vDSO whatever the emulated TSC's stability
     * checks decide (an HPET fallback would make every read an emulated I/O access). Returns once the guest's sshd
     * accepts connections; fails with the serial console's tail if it does not.
     */
    public static GuestVm boot(TestNetwork net, String prefix, Spec spec) {
        requireTools();
        String release = spec.release() != null ? spec.release() : newestKernel();
        Path kernel = Path.of("/boot/vmlinuz-" + release);
        Path initrd = Path.of("/boot/initrd.img-" + release);
        for (Path p : List.of(kernel, initrd, Path.of("/lib/modules", release))) {
            if (!Files.exists(p)) {
                throw new ConfigurationException("guest kernel " + release + ": " + p + " is missing; " + PACKAGES);
            }
        }
        Path image = rootfs(release);
        Path dir = tempDir();
        Process qemu = null;
        try {
            net.namespace(NAMESPACE);
            String ns = net.nsName(NAMESPACE);
            String rootDevice = net.rootLink(NAMESPACE, prefix + ".1.254/24", prefix + ".1.1/24");
            Cmd.run("ip", "route", "add", prefix + ".0.0/24", "via", prefix + ".1.1");
            Cmd.run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            Cmd.run("ip", "-n", ns, "tuntap", "add", "dev", TAP, "mode", "tap");
            Cmd.run("ip", "-n", ns, "addr", "add", prefix + ".0.1/24", "dev", TAP);
            Cmd.run("ip", "-n", ns, "link", "set", TAP, "up");
            Path cfg = Files.createDirectories(dir.resolve("cfg"));
            writeSshConfig(dir, cfg, prefix + ".0.2");
            Path agentCache = Files.createDirectories(Path.of(CACHE_DIR, "agent-cache"));
            List<Path> shares = new ArrayList<>(List.of(NativeTraffic.binary().getParent()));
            for (Path p : spec.shares()) {
                if (!shares.contains(p) && shares.stream().noneMatch(p::startsWith)) {
                    shares.add(p);
                }
            }
            StringBuilder table = new StringBuilder();
            // setpriv --pdeathsig: qemu dies with the thread that started it, even when this JVM is
            // killed and close() never runs (an orphaned TCG guest would keep two cores busy)
            List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + net.ns(NAMESPACE).path(),
                    "setpriv", "--pdeathsig", "KILL", QEMU,
                    "-name", "latscope-guest", "-machine", "pc", "-accel", "tcg,thread=single", "-cpu", "max",
                    "-m", Integer.toString(spec.memoryMib()), "-smp", Integer.toString(spec.cpus()),
                    "-kernel", kernel.toString(), "-initrd", initrd.toString(),
                    "-append", "console=ttyS0 root=/dev/vda rootfstype=ext4 rw init=/sbin/latscope-init net.ifnames=0"
                            + " panic=-1 loglevel=4 clocksource=tsc tsc=reliable ls.ip=" + prefix + ".0.2/24 ls.gw=" + prefix + ".0.1",
                    "-drive", "file=" + image + ",format=raw,if=virtio,snapshot=on",
                    "-netdev", "tap,id=n0,ifname=" + TAP + ",script=no,downscript=no",
                    "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:4c:53:02",
                    // a delay inside the virtual NIC, off until virtualNicDelay(true): qemu holds
                    // every frame between the guest's queue and the tap until the next tick
                    "-object", "filter-buffer,id=" + DELAY_FILTER + ",netdev=n0,queue=all,interval="
                            + VIRTUAL_NIC_DELAY_TICK.toNanos() / 1000 + ",status=off",
                    "-qmp", "unix:" + dir.resolve("qmp.sock") + ",server=on,wait=off",
                    "-virtfs", "local,path=" + Path.of(System.getProperty("java.home")).toRealPath()
                            + ",mount_tag=jdk,security_model=none,readonly=on",
                    "-virtfs", "local,path=" + cfg + ",mount_tag=cfg,security_model=none,readonly=on",
                    "-virtfs", "local,path=" + agentCache + ",mount_tag=agentcache,security_model=none",
                    "-display", "none", "-monitor", "none", "-serial", "file:" + dir.resolve("console.log"),
                    "-no-reboot"));
            for (int i = 0; i < shares.size(); i++) {
                table.append("s").append(i).append(' ').append(shares.get(i)).append('\n');
                cmd.add("-virtfs");
                cmd.add("local,path=" + shares.get(i) + ",mount_tag=s" + i + ",security_model=none,readonly=on");
            }
            Files.writeString(cfg.resolve("shares"), table);
            long t0 = System.nanoTime();
            qemu = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(dir.resolve("qemu.log").toFile()).redirectErrorStream(true).start();
            GuestVm vm = new GuestVm(prefix, dir, release, qemu, rootDevice);
            vm.awaitSshd();
            vm.bootTime = Duration.ofNanos(System.nanoTime() - t0);
            return vm;
        } catch (IOException e) {
            kill(qemu);
            Io.deleteRecursively(dir);
            throw new UncheckedIOException("starting the guest VM", e);
        } catch (RuntimeException e) {
            kill(qemu);
            Io.deleteRecursively(dir);
            throw e;
        }
    }

    /** The guest's address (no prefix length). */
    public String address() {
        return prefix + ".0.2";
    }

    /** The tap's address in namespace {@value #NAMESPACE}: the guest's gateway. */
    public String tapAddress() {
        return prefix + ".0.1";
    }

    /** This process's address on the veth into the namespace (reachable from the guest, e.g. for Redis). */
    public String rootAddress() {
        return prefix + ".1.254";
    }

    /** This process's end of the veth into namespace {@value #NAMESPACE} (it has {@link #rootAddress()}). */
    public String rootDevice() {
        return rootDevice;
    }

    /** The address of namespace {@value #NAMESPACE}'s end of that veth ({@code up0}): how this process reaches the guest's host side. */
    public String hostSideAddress() {
        return prefix + ".1.1";
    }

    /**
     * tcpstamp messages across the virtual NIC: from the guest's own namespace to a server in
     * namespace {@value #NAMESPACE} on {@link #tapAddress()} ({@code toGuest} false), or from
     * that namespace to a server in the guest on {@link #address()}. The two ends stamp with
     * different clocks (the guest's and this machine's), so only the count is returned.
     *
     * @return messages the server received
     */
    public int crossMessages(TestNetwork net, boolean toGuest, int port, int size, int count, Duration interval) {
        String bin = tcpstamp();
        String args = " " + port + " " + count + " " + size + " ";
        long micros = interval.toNanos() / 1000;
        Duration timeout = Duration.ofSeconds(60).plus(interval.multipliedBy(count).multipliedBy(3));
        if (!toGuest) {
            Process srv = NativeTraffic.start(net.ns(NAMESPACE), java.nio.file.Path.of(bin), "server", tapAddress(), port, count,
                    size, 0);
            try {
                java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(srv.getInputStream(),
                        StandardCharsets.US_ASCII));
                String first = out.readLine();
                if (!"listening".equals(first)) {
                    throw new LatScopeException("tcpstamp server in " + NAMESPACE + " did not start: " + first);
                }
                ssh("chrt --fifo 10 " + bin + " client " + tapAddress() + args + micros + " >/dev/null", timeout);
                int n = 0;
                while (out.readLine() != null) {
                    n++;
                }
                return n;
            } catch (IOException e) {
                throw new UncheckedIOException("tcpstamp to the host", e);
            } finally {
                srv.destroyForcibly();
            }
        }
        // the server in the guest, in the background; this side's client once it listens
        String d = ssh("d=$(mktemp -d); setsid chrt --fifo 10 " + bin + " server " + address() + args
                + "0 >$d/s 2>$d/se </dev/null & i=0; while [ \"$(head -n 1 $d/s)\" != listening ]; do sleep 0.05;"
                + " i=$((i+1)); if [ $i -gt 1200 ]; then cat $d/se >&2; exit 3; fi; done; echo $d").strip();
        Process cli = NativeTraffic.start(net.ns(NAMESPACE), java.nio.file.Path.of(bin), "client", address(), port, count,
                size, micros);
        try {
            if (!cli.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) || cli.exitValue() != 0) {
                throw new LatScopeException("tcpstamp client in " + NAMESPACE + " failed: "
                        + new String(cli.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            // the server prints a line per message after "listening" and exits
            String lines = ssh("i=0; while [ $(wc -l <" + d + "/s) -lt " + (count + 1) + " ] && [ $i -lt 600 ]; do sleep 0.1;"
                    + " i=$((i+1)); done; echo $(($(wc -l <" + d + "/s) - 1)); rm -rf " + d, timeout).strip();
            return Integer.parseInt(lines);
        } catch (IOException e) {
            throw new UncheckedIOException("tcpstamp to the guest", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LatScopeException("interrupted", e);
        } finally {
            cli.destroyForcibly();
        }
    }

    /**
     * Turns the delay inside the virtual NIC on or off (qemu's filter-buffer on the NIC's
     * backend, both directions, ticking every {@link #VIRTUAL_NIC_DELAY_TICK}), through qemu's
     * QMP socket: between the guest's device and the tap, where no probe of either kernel
     * runs — what a busy or throttled hypervisor adds.
     */
    public void virtualNicDelay(boolean on) {
        String reply = qmp("{\"execute\":\"qom-set\",\"arguments\":{\"path\":\"/objects/" + DELAY_FILTER
                + "\",\"property\":\"status\",\"value\":\"" + (on ? "on" : "off") + "\"}}");
        if (!reply.contains("\"return\"")) {
            throw new LatScopeException("qemu refused to turn the virtual NIC's delay " + (on ? "on" : "off") + ": " + reply);
        }
    }

    /** One QMP command after the handshake; returns qemu's answer to it (events skipped). */
    private String qmp(String command) {
        try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(
                java.net.UnixDomainSocketAddress.of(dir.resolve("qmp.sock")))) {
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(
                    java.nio.channels.Channels.newInputStream(ch), StandardCharsets.UTF_8));
            java.io.Writer out = new java.io.OutputStreamWriter(java.nio.channels.Channels.newOutputStream(ch),
                    StandardCharsets.UTF_8);
            in.readLine(); // the greeting
            for (String c : List.of("{\"execute\":\"qmp_capabilities\"}", command)) {
                out.write(c + "\n");
                out.flush();
                String line;
                while ((line = in.readLine()) != null && line.contains("\"event\"")) {
                    // asynchronous events interleave with answers
                }
                if (line == null) {
                    throw new LatScopeException("qemu closed its QMP socket after " + c);
                }
                if (c.equals(command)) {
                    return line;
                }
            }
            throw new IllegalStateException("unreachable");
        } catch (IOException e) {
            throw new UncheckedIOException("qemu's QMP socket " + dir.resolve("qmp.sock"), e);
        }
    }

    /** Kernel release the guest runs. */
    public String release() {
        return release;
    }

    /** From starting qemu to sshd accepting connections. */
    public Duration bootTime() {
        return bootTime;
    }

    /** Private key authorized for root in the guest (ed25519, no passphrase). */
    public Path clientKey() {
        return dir.resolve("client_ed25519");
    }

    /** known_hosts with the guest's host key for {@link #address()}. */
    public Path knownHosts() {
        return dir.resolve("known_hosts");
    }

    /** The guest's serial console so far (kernel messages, the init script's lines, sshd's log). */
    public String console() {
        try {
            return Files.readString(dir.resolve("console.log"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(no console log: " + e.getMessage() + ")";
        }
    }

    /** Process id of qemu. */
    public long qemuPid() {
        return qemu.pid();
    }

    /**
     * Runs {@code command} in the guest as root through the ssh client and returns its
     * stdout; fails naming the command, exit code and stderr.
     */
    public String ssh(String command) {
        return ssh(command, Duration.ofMinutes(2));
    }

    /** {@link #ssh(String)} with a timeout. */
    public String ssh(String command, Duration timeout) {
        Cmd.Result r = sshExec(command, timeout);
        if (r.exit() != 0) {
            throw new LatScopeException("in the guest (exit " + r.exit() + "): " + command + ": " + r.stderr().strip());
        }
        return r.stdout();
    }

    /** Runs {@code command} in the guest; the caller judges the exit code. */
    public Cmd.Result sshExec(String command, Duration timeout) {
        List<String> c = List.of("ssh", "-q", "-i", clientKey().toString(), "-o", "UserKnownHostsFile=" + knownHosts(),
                "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=20",
                "root@" + address(), command);
        try {
            Process p = new ProcessBuilder(c).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            Thread.Builder tb = Thread.ofVirtual();
            byte[][] out = new byte[2][];
            Thread t1 = tb.start(() -> out[0] = readAll(p.getInputStream()));
            Thread t2 = tb.start(() -> out[1] = readAll(p.getErrorStream()));
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new LatScopeException("in the guest: timed out after " + timeout.toSeconds() + " s: " + command);
            }
            t1.join();
            t2.join();
            return new Cmd.Result(p.exitValue(), new String(out[0], StandardCharsets.UTF_8), new String(out[1], StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new LatScopeException("cannot run ssh (apt-get install openssh-client): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LatScopeException("interrupted running in the guest: " + command, e);
        }
    }

    /** Path in the guest (as on this host: shared over 9p) of the test bed's tcpstamp binary. */
    public String tcpstamp() {
        return NativeTraffic.binary().toString();
    }

    /**
     * Two network namespaces in the guest joined by a veth ({@link TestNetwork#vethName}
     * names), each with loopback up; they go with the guest.
     */
    public void guestVeth(String a, String addrA, String b, String addrB) {
        String da = TestNetwork.vethName(a, b);
        String db = TestNetwork.vethName(b, a);
        ssh(String.join(" && ", "ip netns add " + a, "ip netns add " + b, "ip -n " + a + " link set lo up",
                "ip -n " + b + " link set lo up",
                "ip link add " + da + " netns " + a + " type veth peer name " + db + " netns " + b,
                "ip -n " + a + " addr add " + addrA + " dev " + da, "ip -n " + b + " addr add " + addrB + " dev " + db,
                "ip -n " + a + " link set " + da + " up", "ip -n " + b + " link set " + db + " up"));
    }

    /**
     * {@link NativeTraffic#messages} inside the guest: tcpstamp's server in guest namespace
     * {@code serverNs} and its client in {@code clientNs} ("" for the guest's own), both at
     * real-time priority, stamps from the guest's CLOCK_MONOTONIC.
     */
    public TcpTraffic.FlowResult messages(String clientNs, String serverNs, String address, int port, int size, int count,
                                         Duration interval) {
        String bin = tcpstamp();
        String args = " " + address + " " + port + " " + count + " " + size + " ";
        String script = String.join("\n",
                "d=$(mktemp -d)",
                in(serverNs) + "chrt --fifo 10 " + bin + " server" + args + "0 >$d/s 2>$d/se &",
                "sp=$!; i=0",
                "while [ \"$(head -n 1 $d/s)\" != listening ]; do sleep 0.05; i=$((i+1));"
                        + " if [ $i -gt 1200 ]; then cat $d/se >&2; exit 3; fi; done",
                in(clientNs) + "chrt --fifo 10 " + bin + " client" + args + interval.toNanos() / 1000
                        + " >$d/c 2>$d/ce || { cat $d/ce >&2; exit 4; }",
                "wait $sp || { cat $d/se >&2; exit 5; }",
                "echo client $(cat $d/c)", "tail -n +2 $d/s", "rm -rf $d");
        long t0 = System.nanoTime();
        String out = ssh(script, Duration.ofSeconds(60).plus(interval.multipliedBy(count).multipliedBy(3)));
        long elapsed = System.nanoTime() - t0;
        List<String> lines = out.lines().toList();
        if (lines.isEmpty() || !lines.getFirst().startsWith("client ") || lines.size() != count + 1) {
            throw new LatScopeException("tcpstamp in the guest: expected " + count + " messages, got: "
                    + tail(out));
        }
        long[] lat = new long[count];
        long[] sent = new long[count];
        for (int i = 0; i < count; i++) {
            String[] f = lines.get(i + 1).split(" ");
            sent[i] = Long.parseLong(f[0]);
            lat[i] = Long.parseLong(f[1]) - sent[i];
        }
        int clientPort = Integer.parseInt(lines.getFirst().substring("client ".length()).strip());
        return new TcpTraffic.FlowResult(lat, sent, (long) count * size, elapsed, clientPort, port);
    }

    private static String in(String ns) {
        return ns == null || ns.isEmpty() ? "" : "ip netns exec " + ns + " ";
    }

    /** The guest kernel's clock source (tsc, pinned on the command line: see {@link #boot}). */
    public String clocksource() {
        return ssh("cat /sys/devices/system/clocksource/clocksource0/current_clocksource").strip();
    }

    /** Kills qemu (the guest has nothing to save: its disk is a snapshot) and deletes the per-boot files. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean gone = kill(qemu);
        Io.deleteRecursively(dir);
        if (!gone) {
            throw new LatScopeException("qemu (pid " + qemu.pid() + ") survived SIGKILL");
        }
    }

    private void awaitSshd() {
        long deadline = System.nanoTime() + BOOT_TIMEOUT.toNanos();
        while (true) {
            if (!qemu.isAlive()) {
                throw new LatScopeException("qemu exited with " + qemu.exitValue() + " before the guest's sshd came up: "
                        + tail(readOr(dir.resolve("qemu.log"))) + "\nconsole:\n" + tail(console()));
            }
            if (console().contains("latscope-guest: up")) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(address(), 22), 500);
                    if (sshExec("true", Duration.ofSeconds(60)).exit() == 0) {
                        return;
                    }
                } catch (IOException notYet) {
                    // sshd not listening yet
                }
            }
            if (System.nanoTime() > deadline) {
                throw new LatScopeException("the guest's sshd did not come up within " + BOOT_TIMEOUT.toSeconds()
                        + " s; console:\n" + tail(console()));
            }
            Io.sleep(250);
        }
    }

    private static void writeSshConfig(Path dir, Path cfg, String address) throws IOException {
        Cmd.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "latscope-vm-client", "-f", dir.resolve("client_ed25519").toString());
        Cmd.run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "", "-f", cfg.resolve("ssh_host_ed25519_key").toString());
        Files.copy(dir.resolve("client_ed25519.pub"), cfg.resolve("authorized_keys"));
        Files.writeString(dir.resolve("known_hosts"), address + " "
                + Files.readString(cfg.resolve("ssh_host_ed25519_key.pub")).strip() + "\n");
        Files.writeString(cfg.resolve("sshd_config"), String.join("\n",
                "ListenAddress 0.0.0.0:22",
                "HostKey /run/latscope/ssh_host_ed25519_key",
                "PidFile /run/sshd.pid",
                "PermitRootLogin prohibit-password",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "UseDNS no",
                "PrintMotd no",
                "MaxStartups 100",
                "LogLevel ERROR",
                ""));
    }

    /** Fails naming the packages when qemu or a Debian amd64 kernel is missing. */
    static void requireTools() {
        List<String> missing = new ArrayList<>();
        if (!onPath(QEMU)) {
            missing.add(QEMU);
        }
        if (kernels().isEmpty()) {
            missing.add("/boot/vmlinuz-*-amd64");
        }
        if (!Files.isExecutable(Path.of("/usr/sbin/debootstrap"))) {
            missing.add("debootstrap");
        }
        if (!missing.isEmpty()) {
            throw new ConfigurationException("the guest VM needs " + String.join(", ", missing) + ": " + PACKAGES);
        }
        if (!Files.exists(Path.of("/dev/net/tun"))) {
            throw new ConfigurationException("the guest VM needs /dev/net/tun (modprobe tun)");
        }
    }

    /** Releases of the installed Debian amd64 kernels, oldest first. */
    /** The kernel releases under /boot, oldest first. */
    public static List<String> kernels() {
        try (Stream<Path> s = Files.list(Path.of("/boot"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("vmlinuz-") && n.endsWith("-amd64"))
                    .map(n -> n.substring("vmlinuz-".length())).sorted(GuestVm::compareReleases).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String newestKernel() {
        return kernels().getLast();
    }

    /** Compares "6.1.0-57-amd64" style releases by their numbers. */
    public static int compareReleases(String a, String b) {
        String[] x = a.split("[.-]");
        String[] y = b.split("[.-]");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            boolean nx = x[i].chars().allMatch(Character::isDigit);
            boolean ny = y[i].chars().allMatch(Character::isDigit);
            int c = nx && ny ? Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i])) : x[i].compareTo(y[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    /**
     * The root file system image for {@code release}: {@value #CACHE_DIR}{@code /rootfs-<hash>.img},
     * built (debootstrap, several minutes) when missing, under a lock so concurrent test
     * processes build it once.
     */
    public static Path rootfs(String release) {
        byte[] build = resource("vm/build-rootfs.sh");
        byte[] init = resource("vm/guest-init.sh");
        String hash = sha256(build, init, release.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        Path cache = Path.of(CACHE_DIR);
        Path image = cache.resolve("rootfs-" + hash + ".img");
        try {
            Files.createDirectories(cache);
            if (Files.isRegularFile(image)) {
                return image;
            }
            try (FileChannel lockFile = FileChannel.open(cache.resolve(".build.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock ignored = lockFile.lock()) {
                if (Files.isRegularFile(image)) {
                    return image;
                }
                Path work = Files.createTempDirectory(cache, "scripts-");
                try {
                    Path b = Files.write(work.resolve("build-rootfs.sh"), build);
                    Path i = Files.write(work.resolve("guest-init.sh"), init);
                    ProcessBuilder pb = new ProcessBuilder("sh", b.toString(), release, image.toString(), i.toString())
                            .redirectErrorStream(true).redirectOutput(work.resolve("build.log").toFile());
                    Process p = pb.start();
                    if (!p.waitFor(BUILD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                        p.destroyForcibly().waitFor();
                        throw new LatScopeException("building the guest root file system took over "
                                + BUILD_TIMEOUT.toMinutes() + " minutes");
                    }
                    if (p.exitValue() != 0 || !Files.isRegularFile(image)) {
                        throw new LatScopeException("building the guest root file system failed (exit " + p.exitValue()
                                + "; needs debootstrap and deb.debian.org): " + tail(readOr(work.resolve("build.log"))));
                    }
                    pruneOtherImages(cache, image);
                    return image;
                } finally {
                    Io.deleteRecursively(work);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("preparing the guest root file system in " + cache, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LatScopeException("interrupted building the guest root file system", e);
        }
    }

    /** Older images (other scripts or kernels) are ~1 GB each: keep only the newest few. */
    private static void pruneOtherImages(Path cache, Path keep) throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            List<Path> old = s.filter(p -> p.getFileName().toString().startsWith("rootfs-") && !p.equals(keep))
                    .sorted(Comparator.comparing((Path p) -> p.toFile().lastModified()).reversed()).skip(2).toList();
            for (Path p : old) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = GuestVm.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new LatScopeException(name + " is missing from the test bed resources");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[]... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                d.update(p);
                d.update((byte) 0);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** SIGKILL and wait; true when the process is gone. */
    private static boolean kill(Process p) {
        if (p == null) {
            return true;
        }
        p.destroyForcibly();
        try {
            return p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !p.isAlive();
        }
    }

    private static boolean onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/bin", exe));
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static String readOr(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(" + e.getMessage() + ")";
        }
    }

    private static String tail(String s) {
        List<String> lines = s.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("latscope-vm-");
        } catch (IOException e) {
            throw new UncheckedIOException("creating a temporary directory for the guest VM", e);
        }
    }
}
