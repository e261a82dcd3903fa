package io.latscope;

import io.latscope.error.ConfigurationException;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A network namespace whose traffic a session measures, named by the path of its nsfs file:
 * {@code /run/netns/NAME} for {@code ip netns add NAME}, {@code /proc/PID/ns/net} for a
 * process's. Plain data: whether it exists is checked when a session starts, on the host
 * that measures it.
 *
 * @param name a short name for reports (the {@code ip netns} name, {@code self}, {@code pid:N})
 * @param path the namespace's nsfs file
 */
public record Namespace(String name, Path path) {
    private static final Path NETNS_DIR = Path.of("/run/netns");
    private static final Path SELF = Path.of("/proc/self/ns/net");

    /** Checks the name and path. */
    public Namespace {
        if (name == null || name.isBlank() || name.length() > 255 || name.chars().anyMatch(Character::isISOControl)) {
            throw new ConfigurationException("invalid network namespace name: '" + name + "'");
        }
        Objects.requireNonNull(path, "path");
        if (!path.isAbsolute()) {
            throw new ConfigurationException("network namespace " + name + ": path " + path + " is not absolute");
        }
    }

    /**
     * The namespace the session's process is in: the default when no namespace is named.
     *
     * @return the namespace of the process that starts the session
     */
    public static Namespace current() {
        return new Namespace("self", SELF);
    }

    /**
     * A namespace made by {@code ip netns add NAME}.
     *
     * @param name its name under /run/netns
     * @return the namespace
     */
    public static Namespace named(String name) {
        if (name == null || name.isBlank() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new ConfigurationException("invalid network namespace name: '" + name + "'"
                    + " (a name as given to ip netns add)");
        }
        return new Namespace(name, NETNS_DIR.resolve(name));
    }

    /**
     * The namespace a process is in.
     *
     * @param pid the process id
     * @return the namespace
     */
    public static Namespace ofPid(long pid) {
        if (pid < 1) {
            throw new ConfigurationException("process id must be positive, not " + pid);
        }
        return new Namespace("pid:" + pid, Path.of("/proc/" + pid + "/ns/net"));
    }

    /**
     * Whether this is the session process's own namespace.
     *
     * @return true for {@link #current()}
     */
    public boolean isCurrent() {
        return path.equals(SELF);
    }

    @Override
    public String toString() {
        return isCurrent() ? "Namespace.current()" : path.startsWith(NETNS_DIR) ? "Namespace.named(" + name + ")"
                : "Namespace(" + name + ", " + path + ")";
    }
}
