package io.latscope.junit;

import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.SessionSpec;
import io.latscope.error.ConfigurationException;
import io.latscope.error.NotSupportedException;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A live session owned by a JUnit extension context: closed by the extension at the end of
 * its scope, and by the context's store as a safety net (close is idempotent).
 */
@SuppressWarnings("deprecation") // CloseableResource: still honoured by JUnit 5, and by 5.10 to 5.12, which know no AutoCloseable values
final class SessionResource implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    private final LatScopeSession session;
    private final String source;

    private SessionResource(LatScopeSession session, String source) {
        this.session = session;
        this.source = source;
    }

    static SessionResource start(SessionSpec spec, String source) {
        try {
            return new SessionResource(spec.start(), source);
        } catch (NotSupportedException e) {
            throw new ConfigurationException("the LatScope session of " + source + " cannot start: " + e.getMessage()
                    + ". Run the tests where eBPF is usable (e.g. as root), or annotate them"
                    + " @RequiresBpf(disableIfMissing = true) to disable them where it is not.", e);
        }
    }

    LatScopeSession session() {
        return session;
    }

    String source() {
        return source;
    }

    /** Closes the session and returns its final report. */
    LatencyReport finish() {
        session.close();
        return session.snapshot();
    }

    @Override
    public void close() {
        session.close();
    }
}
