package io.latscope.bpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * The Linux capabilities LatScope's kernel work depends on, read from the process's
 * effective set ({@code CapEff} in {@code /proc/self/status}). Probes need
 * {@link #BPF}, {@link #PERFMON} and {@link #NET_ADMIN}; some extras need more, and a
 * session without them says what it could not do and which capability would restore it.
 */
public enum Capability {
    DAC_READ_SEARCH(2),
    NET_ADMIN(12),
    SYS_PTRACE(19),
    SYS_ADMIN(21),
    PERFMON(38),
    BPF(39);

    private final int bit;

    Capability(int bit) {
        this.bit = bit;
    }

    /** @return true when the calling process has this capability in its effective set */
    public boolean isEffective() {
        return (effectiveMask() & (1L << bit)) != 0;
    }

    /** @return the capabilities of this enum that the process has in its effective set */
    public static Set<Capability> effective() {
        long mask = effectiveMask();
        Set<Capability> out = EnumSet.noneOf(Capability.class);
        for (Capability c : values()) {
            if ((mask & (1L << c.bit)) != 0) {
                out.add(c);
            }
        }
        return out;
    }

    /** The whole effective set as the kernel shows it ({@code CapEff}); 0 when unreadable. */
    static long effectiveMask() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring(7).strip(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // treat as none
        }
        return 0;
    }

    /** @return the kernel's name, e.g. {@code CAP_NET_ADMIN} */
    @Override
    public String toString() {
        return "CAP_" + name();
    }
}
