package io.latscope.error;

import java.util.List;

/**
 * Something failed on (or on the way to) a remote host. The message always names the host
 * and the cause; the parts are also available one by one. Never carries a password or
 * passphrase.
 */
public class RemoteHostException extends LatScopeException {
    /** The host's label, or several comma-separated. */
    private final String host;
    /** The remote command, or null. */
    private final String command;
    /** Its exit status, or -1. */
    private final int exitStatus;
    /** The end of its stderr, or "". */
    private final String stderr;
    /** For a failed preflight, one line per host that is not ready. */
    private final List<String> notReady;

    /**
     * A failure on one host that is not a command's (connecting, authenticating, uploading).
     *
     * @param host      the host's label
     * @param cause     what failed, for people
     * @param throwable the underlying exception, or null
     */
    public RemoteHostException(String host, String cause, Throwable throwable) {
        this(host, host + ": " + cause, null, -1, "", List.of(), throwable);
    }

    /**
     * A command on {@code host} that exited with {@code exitStatus} (-1: no status, e.g. killed).
     *
     * @param host       the host's label
     * @param what       what the command was for, for people
     * @param command    the command line as run
     * @param exitStatus its exit status, or -1
     * @param stderr     what it wrote to stderr (its end is kept)
     */
    public RemoteHostException(String host, String what, String command, int exitStatus, String stderr) {
        this(host, host + ": " + what + " (exit " + (exitStatus < 0 ? "unknown" : exitStatus) + ")"
                + (stderr == null || stderr.isBlank() ? "" : ": " + excerpt(stderr)), command, exitStatus,
                stderr == null ? "" : excerpt(stderr), List.of(), null);
    }

    /**
     * Every part given: for failures that summarise several hosts.
     *
     * @param host       the host's label, or several labels comma-separated
     * @param message    the whole message
     * @param command    the remote command, or null
     * @param exitStatus its exit status, or -1
     * @param stderr     the end of its stderr, or ""
     * @param notReady   for a failed preflight, one line per host that is not ready
     * @param cause      the underlying exception, or null
     */
    public RemoteHostException(String host, String message, String command, int exitStatus, String stderr,
                               List<String> notReady, Throwable cause) {
        super(message, cause);
        this.host = host;
        this.command = command;
        this.exitStatus = exitStatus;
        this.stderr = stderr;
        this.notReady = List.copyOf(notReady);
    }

    /**
     * Where it failed.
     *
     * @return the host's label; for failures on several hosts, their labels, comma-separated
     */
    public String host() {
        return host;
    }

    /**
     * The command that failed, as run.
     *
     * @return the remote command, or null when the failure was not a command's
     */
    public String command() {
        return command;
    }

    /**
     * How the command ended.
     *
     * @return the command's exit status, or -1 (no command, or no status, e.g. killed)
     */
    public int exitStatus() {
        return exitStatus;
    }

    /**
     * What the command said before it failed.
     *
     * @return the end of the command's stderr (at most ~2000 characters), or ""
     */
    public String stderr() {
        return stderr;
    }

    /**
     * Every host a preflight found not ready, so all can be fixed in one go.
     *
     * @return for a failed preflight, one line per host that is not ready (label, target, what it lacks); else empty
     */
    public List<String> notReady() {
        return notReady;
    }

    /**
     * The end of a long text, as kept in messages.
     *
     * @param s the text
     * @return at most its last ~2000 characters
     */
    public static String excerpt(String s) {
        String t = s.strip();
        return t.length() <= 2000 ? t : "…" + t.substring(t.length() - 2000);
    }
}
