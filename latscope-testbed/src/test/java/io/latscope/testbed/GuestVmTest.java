package io.latscope.testbed;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guest VM helper itself: Debian's 6.1 kernel boots under qemu, the guest has what an
 * agent needs (kernel file systems, BTF, the host's JDK and class path over 9p), the host
 * reaches it over the tap, and close leaves no qemu, tap or namespace behind.
 */
@KernelTest
@Tag("vm")
class GuestVmTest {

    @Test
    void bootsDebiansKernelWithWhatAnAgentNeedsAndLeavesNothingBehind() throws IOException {
        long qemuPid;
        String ns;
        try (TestNetwork net = TestNetwork.create()) {
            ns = net.id() + "-" + GuestVm.NAMESPACE;
            try (GuestVm vm = GuestVm.boot(net, "10.118", GuestVm.Spec.defaults().debian12Kernel().withOwnClassPath())) {
                qemuPid = vm.qemuPid();
                System.out.println("guest " + vm.release() + " up in " + vm.bootTime().toMillis() + " ms");
                assertThat(vm.ssh("uname -r").strip()).isEqualTo(vm.release()).startsWith("6.1.");
                assertThat(vm.clocksource()).isEqualTo("tsc");
                String mounts = vm.ssh("cat /proc/mounts");
                assertThat(mounts).contains(" /sys/fs/bpf bpf ", " /sys/kernel/tracing tracefs ",
                        " /sys/kernel/debug debugfs ", " /sys/fs/cgroup cgroup2 ", " /usr/lib/jvm/host-jdk 9p ");
                assertThat(vm.ssh("od -An -tx1 -N2 /sys/kernel/btf/vmlinux").replace(" ", "").strip()).isEqualTo("9feb");
                // this JVM's class path is at the same paths in the guest
                String firstEntry = System.getProperty("java.class.path").split(":")[0];
                assertThat(vm.sshExec("test -e " + firstEntry, Duration.ofSeconds(30)).exit()).as(firstEntry).isZero();
                long t0 = System.nanoTime();
                String version = vm.ssh("java -version 2>&1");
                long javaMillis = (System.nanoTime() - t0) / 1_000_000;
                System.out.println("java -version in the guest: " + javaMillis + " ms");
                assertThat(version).contains("\"25");
                // this process reaches the guest through the namespace (the ssh above), and the guest this process
                try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName(vm.rootAddress()))) {
                    vm.ssh("timeout 20 bash -c 'echo hi > /dev/tcp/" + vm.rootAddress() + "/" + server.getLocalPort() + "'");
                    try (Socket s = server.accept()) {
                        assertThat(new String(s.getInputStream().readAllBytes()).strip()).isEqualTo("hi");
                    }
                }
            }
            assertThat(ProcessHandle.of(qemuPid).map(ProcessHandle::isAlive).orElse(false)).as("qemu after close").isFalse();
        }
        assertThat(Cmd.run("ip", "netns", "list")).doesNotContain(ns);
        assertThat(Cmd.run("ip", "route", "show")).doesNotContain("10.118.0.0/24");
        assertThat(Path.of("/run/netns", ns)).doesNotExist();
    }
}
