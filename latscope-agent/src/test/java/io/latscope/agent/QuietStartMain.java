package io.latscope.agent;

import io.latscope.LatScope;
import io.latscope.LatScopeSession;

/**
 * Child-process entry of {@link SessionConditionsTest}: starts and closes a session with
 * default settings on one port (args: port) in this namespace, between marker lines on
 * stdout, so that a parent reading the JVM's class-load log ({@code -verbose:class}, also on
 * stdout) sees what the start loaded.
 */
public final class QuietStartMain {
    private QuietStartMain() {
    }

    public static void main(String[] args) {
        marker("STARTING");
        try (LatScopeSession s = LatScope.builder().ports(Integer.parseInt(args[0])).start()) {
            marker("STARTED");
            s.unavailable().forEach((h, why) -> System.out.println("UNAVAILABLE " + h + " :: " + why));
            s.close();
            marker("CLOSED");
        }
    }

    private static void marker(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
