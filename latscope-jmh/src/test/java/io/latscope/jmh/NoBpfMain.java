package io.latscope.jmh;

import org.openjdk.jmh.profile.ProfilerException;

/** Child-process entry point of {@link LatScopeProfilerTest}, run without capabilities. */
public final class NoBpfMain {
    private NoBpfMain() {
    }

    public static void main(String[] args) {
        try {
            LatScopeProfilerTest.make("ports=5001");
            System.out.println("made");
        } catch (ProfilerException e) {
            System.out.println("ProfilerException: " + e.getMessage());
            System.exit(3);
        }
    }
}
