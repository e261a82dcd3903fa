package io.latscope;

/**
 * Service-provider interface of the engines that run sessions, found through
 * {@link java.util.ServiceLoader}: latscope-agent runs sessions on this host,
 * latscope-remote sessions with hosts over SSH. Users never call it; they call
 * {@link SessionSpec#start()}.
 */
public interface SessionProvider {
    /**
     * The engine's name in the message that says no engine can run a session.
     *
     * @return a short name, e.g. {@code local}
     */
    String name();

    /**
     * Whether this engine runs a session: the first provider that says yes starts it.
     *
     * @param spec a session's spec
     * @return whether this engine runs it
     */
    boolean supports(SessionSpec spec);

    /**
     * Starts the session; fails with a LatScopeException naming the cause, leaving nothing behind.
     *
     * @param spec     what to measure
     * @param listener called as markers finish
     * @return the live session
     */
    LatScopeSession start(SessionSpec spec, SessionListener listener);

    /**
     * What keeps this engine from running on this machine, checked without attaching
     * anything (e.g. no BPF, no BTF, missing privileges); empty when it can run.
     *
     * @return one line per problem
     */
    default java.util.List<String> problems() {
        return java.util.List.of();
    }

    /**
     * What this machine offers the spec's probe points, without attaching any of them.
     *
     * @param spec a session's spec
     * @return the checks and the plan per point; by default the {@link #problems()} only
     */
    default Diagnosis diagnose(SessionSpec spec) {
        return new Diagnosis(problems().stream().map(p -> new Diagnosis.Check("engine " + name(), Diagnosis.Status.MISSING, p))
                .toList(), java.util.List.of());
    }
}
