package io.latscope;

/**
 * A machine whose stack LatScope probes. {@link #local()} is this process's own host (the
 * probes run in this JVM; no SSH, no Redis).
 */
public sealed interface Host permits Host.Local {
    /** A label for reports, e.g. "local" or "db-1". */
    String label();

    /** The host this JVM runs on. */
    static Host local() {
        return Local.INSTANCE;
    }

    /** This JVM's own host. */
    record Local(String label) implements Host {
        static final Local INSTANCE = new Local("local");

        @Override
        public String toString() {
            return "Host.local()";
        }
    }
}
