package io.latscope.remote;

import io.latscope.Host;
import io.latscope.error.RemoteHostException;

import java.util.List;

/** The {@link RemoteHostException}s the remote layer throws, worded alike. */
final class RemoteFailures {
    private RemoteFailures() {
    }

    /** A failure on {@code host} before any command ran; the message names the label and {@code user@address:port}. */
    static RemoteHostException at(Host.Ssh host, String cause, Throwable throwable) {
        return new RemoteHostException(host.label(), host.label() + " (" + host.target() + "): " + cause, null, -1, "",
                List.of(), throwable);
    }

    /** Hosts that are not ready: one line per host with everything it lacks. */
    static RemoteHostException notReady(String summary, List<HostCheck> failed) {
        return new RemoteHostException(String.join(", ", failed.stream().map(c -> c.host().label()).toList()), summary,
                null, -1, "", failed.stream().map(HostCheck::toString).toList(), null);
    }

    /** Failures on several hosts: the summary, then each failure's message on a line; each is also suppressed. */
    static RemoteHostException several(String summary, List<RemoteHostException> failures) {
        StringBuilder sb = new StringBuilder(summary);
        failures.forEach(f -> sb.append("\n  ").append(f.getMessage().replace("\n", "\n    ")));
        RemoteHostException e = new RemoteHostException(
                String.join(", ", failures.stream().map(RemoteHostException::host).toList()), sb.toString(), null, -1, "",
                List.of(), null);
        failures.forEach(e::addSuppressed);
        return e;
    }
}
