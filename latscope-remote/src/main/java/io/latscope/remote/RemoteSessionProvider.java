package io.latscope.remote;

import io.latscope.LatScopeSession;
import io.latscope.SessionListener;
import io.latscope.SessionProvider;
import io.latscope.SessionSpec;

/** Runs sessions with hosts reached over SSH: agents report through Redis to a controller in this JVM. */
public final class RemoteSessionProvider implements SessionProvider {
    @Override
    public String name() {
        return "remote";
    }

    @Override
    public boolean supports(SessionSpec spec) {
        return !spec.isLocal();
    }

    @Override
    public LatScopeSession start(SessionSpec spec, SessionListener listener) {
        return RemoteHosts.start(spec, listener);
    }
}
