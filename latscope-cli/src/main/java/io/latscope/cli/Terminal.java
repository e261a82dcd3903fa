package io.latscope.cli;

import java.io.Console;

/** Whether output goes to a person at a terminal (redrawn lines) or to a file or pipe (plain lines). */
final class Terminal {
    private Terminal() {
    }

    /** LATSCOPE_PROGRESS=tty|plain overrides; else a terminal when the console is one. */
    static boolean isTerminal() {
        String forced = System.getenv("LATSCOPE_PROGRESS");
        if (forced != null && !forced.isBlank()) {
            return forced.equalsIgnoreCase("tty");
        }
        Console c = System.console();
        return c != null && c.isTerminal();
    }
}
