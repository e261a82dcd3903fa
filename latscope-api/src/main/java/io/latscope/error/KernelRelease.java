package io.latscope.error;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The running kernel's release string, for error messages. */
public final class KernelRelease {
    private static final String RELEASE = read();

    private KernelRelease() {
    }

    /**
     * The running kernel's release, read once.
     *
     * @return {@code /proc/sys/kernel/osrelease}, e.g. {@code 6.18.1}; the {@code os.version}
     *         property when that cannot be read
     */
    public static String get() {
        return RELEASE;
    }

    private static String read() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.version", "unknown");
        }
    }
}
