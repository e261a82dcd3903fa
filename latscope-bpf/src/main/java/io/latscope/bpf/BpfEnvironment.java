package io.latscope.bpf;

import io.latscope.error.NotSupportedException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Checks the prerequisites every LatScope probe needs — privileges, kernel BTF, libbpf —
 * and reports all that are missing at once, each with what to do.
 */
public final class BpfEnvironment {
    static final Path BTF = Path.of("/sys/kernel/btf/vmlinux");
    private static volatile boolean ok;

    private BpfEnvironment() {
    }

    /** Throws {@link NotSupportedException} listing every missing prerequisite. */
    public static void check() {
        if (ok) {
            return;
        }
        List<String> p = problems();
        if (!p.isEmpty()) {
            throw new NotSupportedException("eBPF tracing", String.join("; ", p));
        }
        ok = true;
    }

    /** What is missing, one entry per problem; empty when the machine is usable. */
    public static List<String> problems() {
        List<String> out = new ArrayList<>();
        List<Capability> missing = missingCapabilities();
        if (!missing.isEmpty()) {
            out.add("the process lacks privileges: run as root, or grant CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN"
                    + " (missing " + missing.stream().map(Capability::toString).collect(Collectors.joining(", "))
                    + "; effective capabilities are 0x" + Long.toHexString(Capability.effectiveMask()) + ")");
        }
        String btf = btfProblem();
        if (btf != null) {
            out.add(btf);
        }
        try {
            Native.requireLibbpf();
        } catch (NotSupportedException e) {
            out.add("libbpf is missing: " + Native.LIBBPF + " could not be loaded (Debian/Ubuntu: apt-get install libbpf1)");
        }
        return out;
    }

    static void requireBtf() {
        String p = btfProblem();
        if (p != null) {
            throw new NotSupportedException("kernel BTF", p);
        }
    }

    private static String btfProblem() {
        if (!Files.isReadable(BTF)) {
            return "kernel BTF is missing: " + BTF + " does not exist (the kernel needs CONFIG_DEBUG_INFO_BTF=y)";
        }
        try (InputStream in = Files.newInputStream(BTF)) {
            byte[] magic = in.readNBytes(2);
            // BTF magic 0xeB9F, native (little-endian) order
            if (magic.length < 2 || (magic[0] & 0xff) != 0x9f || (magic[1] & 0xff) != 0xeb) {
                return "kernel BTF is missing: " + BTF + " is not BTF data (the kernel needs CONFIG_DEBUG_INFO_BTF=y)";
            }
        } catch (IOException e) {
            return "kernel BTF is unreadable: " + BTF + ": " + e.getMessage();
        }
        return null;
    }

    /**
     * What the probes need that the process lacks. CAP_SYS_ADMIN stands in for each of the
     * three, as the kernel allows (for CAP_BPF and CAP_PERFMON since 5.8, and for a BPF
     * program type that needs CAP_NET_ADMIN).
     */
    private static List<Capability> missingCapabilities() {
        Set<Capability> have = Capability.effective();
        if (have.contains(Capability.SYS_ADMIN)) {
            return List.of();
        }
        return Stream.of(Capability.BPF, Capability.PERFMON, Capability.NET_ADMIN).filter(c -> !have.contains(c)).toList();
    }
}
