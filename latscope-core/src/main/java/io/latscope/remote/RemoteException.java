package io.latscope.remote;

import io.latscope.Host;
import io.latscope.error.LatScopeException;

import java.util.List;

/**
 * Something failed on (or on the way to) a remote host. The message always names the host
 * and the cause; the parts are also available one by one. Never carries a password or
 * passphrase.
 */
public class RemoteException extends LatScopeException {
    private final String host;
    private final String command;
    private final int exitStatus;
    private final String stderr;
    private final List<HostCheck> checks;

    /** A failure on one host that is not a command's (connecting, authenticating, uploading). */
    public RemoteException(String host, String cause, Throwable throwable) {
        this(host, host + ": " + cause, null, -1, "", List.of(), throwable);
    }

    /** A command on {@code host} that exited with {@code exitStatus} (-1: no status, e.g. killed). */
    public RemoteException(String host, String what, String command, int exitStatus, String stderr) {
        this(host, host + ": " + what + " (exit " + (exitStatus < 0 ? "unknown" : exitStatus) + ")"
                + (stderr == null || stderr.isBlank() ? "" : ": " + excerpt(stderr)), command, exitStatus,
                stderr == null ? "" : excerpt(stderr), List.of(), null);
    }

    private RemoteException(String host, String message, String command, int exitStatus, String stderr,
                            List<HostCheck> checks, Throwable cause) {
        super(message, cause);
        this.host = host;
        this.command = command;
        this.exitStatus = exitStatus;
        this.stderr = stderr;
        this.checks = List.copyOf(checks);
    }

    /** A failure on {@code host} before any command ran; the message names the label and {@code user@address:port}. */
    static RemoteException at(Host.Ssh host, String cause, Throwable throwable) {
        return new RemoteException(host.label(), host.label() + " (" + host.target() + "): " + cause, null, -1, "",
                List.of(), throwable);
    }

    /** Hosts that are not ready: one line per host with everything it lacks. */
    static RemoteException notReady(String summary, List<HostCheck> failed) {
        return new RemoteException(String.join(", ", failed.stream().map(c -> c.host().label()).toList()), summary, null,
                -1, "", failed, null);
    }

    /** Failures on several hosts: the summary, then each failure's message on a line; each is also suppressed. */
    static RemoteException several(String summary, List<RemoteException> failures) {
        StringBuilder sb = new StringBuilder(summary);
        failures.forEach(f -> sb.append("\n  ").append(f.getMessage().replace("\n", "\n    ")));
        RemoteException e = new RemoteException(String.join(", ", failures.stream().map(RemoteException::host).toList()),
                sb.toString(), null, -1, "", List.of(), null);
        failures.forEach(e::addSuppressed);
        return e;
    }

    /** The host's label; for failures on several hosts, their labels, comma-separated. */
    public String host() {
        return host;
    }

    /** The remote command, or null when the failure was not a command's. */
    public String command() {
        return command;
    }

    /** The command's exit status, or -1. */
    public int exitStatus() {
        return exitStatus;
    }

    /** The end of the command's stderr (at most ~2000 characters), or "". */
    public String stderr() {
        return stderr;
    }

    /** For a failed preflight: the result of each host that is not ready; else empty. */
    public List<HostCheck> failedChecks() {
        return checks;
    }

    static String excerpt(String s) {
        String t = s.strip();
        return t.length() <= 2000 ? t : "…" + t.substring(t.length() - 2000);
    }
}
