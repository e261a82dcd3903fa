package io.latscope.agent;

import io.latscope.LatScopeSession;
import io.latscope.SessionListener;
import io.latscope.SessionProvider;
import io.latscope.SessionSpec;
import io.latscope.bpf.BpfEnvironment;

import java.util.List;

/** Runs sessions whose every host is this one, in this JVM. */
public final class LocalSessionProvider implements SessionProvider {
    @Override
    public String name() {
        return "local";
    }

    @Override
    public boolean supports(SessionSpec spec) {
        return spec.isLocal();
    }

    @Override
    public LatScopeSession start(SessionSpec spec, SessionListener listener) {
        if (spec.sync().method() != io.latscope.SyncSpec.Method.NONE) {
            org.slf4j.LoggerFactory.getLogger(LocalSessionProvider.class).warn("LatScope: clock sync ({}) is not used in a"
                    + " session on one host: every namespace shares its clock; its reports say sync=none",
                    spec.sync().describe());
        }
        return LocalSession.start(spec, listener);
    }

    @Override
    public List<String> problems() {
        return BpfEnvironment.problems();
    }

    @Override
    public io.latscope.Diagnosis diagnose(SessionSpec spec) {
        return ProbePlanner.diagnose(spec);
    }
}
