package io.latscope.remote;

import io.latscope.Host;

import java.util.List;

/**
 * The preflight result of one host.
 *
 * @param host     the host
 * @param problems what it lacks, one entry each, in words (empty: ready)
 * @param java     the java executable that will run the agent, or null when none fits
 * @param kernel   the host's kernel release ({@code uname -r}), or null when not reached
 * @param root     whether the login user is root (else the agent runs with {@code sudo -n}, if allowed)
 */
public record HostCheck(Host.Ssh host, List<String> problems, String java, String kernel, boolean root) {
    public HostCheck {
        problems = List.copyOf(problems);
    }

    public boolean ready() {
        return problems.isEmpty();
    }

    @Override
    public String toString() {
        return host.label() + " (" + host.target() + "): " + (ready() ? "ready" : String.join("; ", problems));
    }
}
