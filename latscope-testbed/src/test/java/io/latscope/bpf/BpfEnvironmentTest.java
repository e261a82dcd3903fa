package io.latscope.bpf;

import io.latscope.testbed.KernelTest;
import io.latscope.testbed.Cmd;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The prerequisites really missing, each in a child JVM: capabilities dropped with
 * setpriv, kernel BTF and libbpf hidden with bind mounts in a private mount namespace.
 */
@KernelTest
class BpfEnvironmentTest {

    @Test
    void thisMachineHasEverything() {
        assertThat(BpfEnvironment.problems()).isEmpty();
    }

    @Test
    void withoutPrivilegesTheErrorSaysSo() {
        Cmd.Result r = child(List.of("setpriv", "--bounding-set=-all", "--inh-caps=-all"));
        assertThat(r.exit()).as(r.stderr()).isEqualTo(3);
        assertThat(r.stderr()).contains("lacks privileges").contains("run as root").doesNotContain("kernel BTF is missing");
    }

    @Test
    void theThreeCapabilitiesSufficeAndAMissingOneIsNamed() {
        Cmd.Result three = child(List.of("setpriv", "--bounding-set=-all,+bpf,+perfmon,+net_admin", "--inh-caps=-all"));
        assertThat(three.exit()).as(three.stderr()).isZero();
        Cmd.Result one = child(List.of("setpriv", "--bounding-set=-all,+bpf", "--inh-caps=-all"));
        assertThat(one.exit()).as(one.stderr()).isEqualTo(3);
        assertThat(one.stderr()).contains("grant CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (missing CAP_PERFMON, CAP_NET_ADMIN;");
    }

    @Test
    void withoutKernelBtfTheErrorNamesIt() {
        Cmd.Result r = child(List.of("unshare", "-m", "sh", "-c",
                "mount -t tmpfs none /sys/kernel/btf && exec \"$@\"", "sh"));
        assertThat(r.exit()).as(r.stderr()).isEqualTo(3);
        assertThat(r.stderr()).contains("kernel BTF is missing").contains("CONFIG_DEBUG_INFO_BTF")
                .doesNotContain("lacks privileges");
    }

    @Test
    void withoutLibbpfTheErrorNamesThePackage() throws Exception {
        Path lib = libbpfPath();
        Cmd.Result r = child(List.of("unshare", "-m", "sh", "-c",
                "mount --bind /dev/null " + lib + " && exec \"$@\"", "sh"));
        assertThat(r.exit()).as(r.stderr()).isEqualTo(3);
        assertThat(r.stderr()).contains("libbpf.so.1").contains("apt-get install libbpf1");
    }

    private static Path libbpfPath() throws Exception {
        for (String d : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib")) {
            Path p = Path.of(d, "libbpf.so.1");
            if (Files.exists(p)) {
                return p.toRealPath();
            }
        }
        throw new AssertionError("libbpf.so.1 not found in the usual places; install libbpf1");
    }

    private static Cmd.Result child(List<String> prefix) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(EnvironmentCheckMain.class.getName());
        return Cmd.exec(cmd);
    }
}
