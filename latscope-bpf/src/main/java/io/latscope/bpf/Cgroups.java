package io.latscope.bpf;

import io.latscope.error.NotSupportedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the cgroup v2 hierarchy is mounted (sockops and cgroup_skb programs attach there). */
public final class Cgroups {
    private Cgroups() {
    }

    /** The root of the cgroup v2 hierarchy; programs attached there see every process. */
    public static Path v2Root() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                int dash = line.indexOf(" - ");
                if (dash < 0) {
                    continue;
                }
                String[] after = line.substring(dash + 3).split(" ");
                String[] before = line.substring(0, dash).split(" ");
                if (after.length > 0 && after[0].equals("cgroup2") && before.length > 4 && before[3].equals("/")) {
                    return Path.of(before[4]);
                }
            }
        } catch (IOException e) {
            throw new NotSupportedException("cgroup v2", "cannot read /proc/self/mountinfo: " + e.getMessage());
        }
        throw new NotSupportedException("cgroup v2", "no cgroup2 file system is mounted; mount one with:"
                + " mkdir -p /sys/fs/cgroup/unified && mount -t cgroup2 none /sys/fs/cgroup/unified"
                + " (scripts/bootstrap does this)");
    }
}
