package io.latscope.remote;

import io.latscope.error.RemoteHostException;
import io.latscope.Host;
import net.schmizz.sshj.connection.channel.direct.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.ref.Cleaner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * An agent process running on a remote host, started by {@link SshDeployer#start}. It owns
 * the SSH connection and the exec channel; its stdin stays open for as long as this
 * object lives.
 *
 * <p><b>Contract for the remote program: it must exit when its stdin reaches EOF.</b> That is
 * how it learns that the controller is gone — {@link #close()}, the controller JVM's exit or
 * crash (even {@code kill -9}: the kernel closes the TCP connection, sshd closes the channel and
 * with it the program's stdin), or a lost connection. Besides its input line
 * ({@link AgentLaunch#input()}) the program reads nothing else there (the environment block
 * written first is consumed by the start shell, before the program runs).
 * {@link #close()} closes stdin, waits {@value #STOP_GRACE_SECONDS} s, then sends SIGTERM and
 * SIGKILL to the process group, and always sweeps the group at the end.
 */
public final class RemoteAgent implements AgentLauncher.RunningAgent {
    static final int STOP_GRACE_SECONDS = 5;
    /** Precedes the PID on the first line the start command prints. */
    static final String PID_MARKER = "latscope-pid";
    private static final Logger LOG = LoggerFactory.getLogger(RemoteAgent.class);
    private static final Cleaner CLEANER = Cleaner.create(Thread.ofPlatform().daemon().name("latscope-ssh-cleaner").factory());
    private static final Duration PID_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration KILL_WAIT = Duration.ofSeconds(2);
    private static final int KEEP_STDERR_LINES = 20;

    private final Host.Ssh host;
    private final Channel channel;
    private final long pid;
    private final boolean sudo;
    private final int uploadedFiles;
    private final long uploadedBytes;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Cleaner.Cleanable cleanable;

    /** What must be released; holds no reference to the RemoteAgent, so the Cleaner can run. */
    private record Channel(SshConnection conn, Session session, Session.Command command, Thread out, Thread err,
                           Deque<String> lastStderr) {
        void release() {
            try {
                session.close();
            } catch (IOException | RuntimeException ignored) {
                // the connection is closed next anyway
            }
            conn.close();
        }
    }

    private RemoteAgent(Host.Ssh host, Channel channel, long pid, boolean sudo, int uploadedFiles, long uploadedBytes) {
        this.host = host;
        this.channel = channel;
        this.pid = pid;
        this.sudo = sudo;
        this.uploadedFiles = uploadedFiles;
        this.uploadedBytes = uploadedBytes;
        AtomicBoolean closedFlag = closed;
        String what = "agent on " + host.label() + " (pid " + pid + ")";
        this.cleanable = CLEANER.register(this, () -> {
            if (!closedFlag.getAndSet(true)) {
                LOG.warn("leak: {} was not closed; disconnecting, which ends it", what);
            }
            channel.release();
        });
    }

    /**
     * Runs {@code command} on {@code conn}, writes {@code environment} to its stdin (read by
     * the start command, see {@link SshDeployer#command}) and reads the PID it prints first. Takes over
     * {@code conn} when it returns; when it throws, the caller still owns (and closes) it.
     */
    static RemoteAgent start(Host.Ssh host, SshConnection conn, String command, byte[] environment, boolean sudo,
                             Consumer<String> logLine, int uploadedFiles, long uploadedBytes) {
        Session session = conn.session();
        try {
            Session.Command cmd = session.exec(command);
            cmd.getOutputStream().write(environment);
            cmd.getOutputStream().flush(); // and stdin stays open: its EOF is the agent's signal to stop
            CompletableFuture<String> pidLine = new CompletableFuture<>();
            Deque<String> lastStderr = new ArrayDeque<>();
            Thread out = pump(host, "out", cmd.getInputStream(), logLine, pidLine, null);
            Thread err = pump(host, "err", cmd.getErrorStream(), logLine, null, lastStderr);
            String first;
            try {
                first = pidLine.get(PID_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                first = null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RemoteHostException(host.label(), "interrupted while starting the agent", e);
            }
            if (first == null || !first.matches(PID_MARKER + " [0-9]{1,10}")) {
                err.join(1000);
                throw new RemoteHostException(host.label(), "the agent did not start", command, exit(cmd),
                        String.join("\n", snapshot(lastStderr)) + (first == null ? "" : "\n" + first));
            }
            long pid = Long.parseLong(first.substring(PID_MARKER.length() + 1));
            return new RemoteAgent(host, new Channel(conn, session, cmd, out, err, lastStderr), pid, sudo, uploadedFiles,
                    uploadedBytes);
        } catch (IOException e) {
            closeQuietly(session);
            throw new RemoteHostException(host.label(), "cannot start the agent: " + SshConnection.describe(e), e);
        } catch (InterruptedException e) {
            closeQuietly(session);
            Thread.currentThread().interrupt();
            throw new RemoteHostException(host.label(), "interrupted while starting the agent", e);
        } catch (RuntimeException e) {
            closeQuietly(session);
            throw e;
        }
    }

    /** The host's label (as in {@code AgentLauncher.RunningAgent}). */
    public String host() {
        return host.label();
    }

    public Host.Ssh sshHost() {
        return host;
    }

    /** The agent's process id on its host (also its process group id). */
    public long pid() {
        return pid;
    }

    /** Class path entries this start had to upload (0 when the host's cache held them all). */
    public int uploadedFiles() {
        return uploadedFiles;
    }

    public long uploadedBytes() {
        return uploadedBytes;
    }

    /**
     * True until the agent's channel closes: the agent exited, or the connection to its host
     * was lost (the agent then exits by itself on stdin EOF).
     */
    public boolean isAlive() {
        return channel.command().isOpen();
    }

    /** The exit status once the agent has exited normally; empty while it runs or when a signal ended it. */
    public Optional<Integer> exitStatus() {
        return Optional.ofNullable(channel.command().getExitStatus());
    }

    /**
     * Waits until the agent has exited and every line it wrote was passed to the log
     * consumer. Returns false when it is still running after {@code timeout}.
     */
    public boolean awaitExit(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (channel.command().isOpen()) {
                if (System.nanoTime() >= deadline) {
                    return false;
                }
                Thread.sleep(10);
            }
            for (Thread t : new Thread[] {channel.out(), channel.err()}) {
                long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                t.join(left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !channel.command().isOpen();
        }
    }

    /**
     * Stops the agent: closes its stdin, waits up to {@value #STOP_GRACE_SECONDS} s, then
     * SIGTERM and SIGKILL to its process group; disconnects. Idempotent. Throws when the
     * agent could not be stopped although its host was reachable.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        String problem = null;
        try {
            try {
                channel.command().getOutputStream().close(); // EOF: "the controller is gone"
            } catch (IOException e) {
                LOG.debug("closing the agent's stdin on {}: {}", host.label(), e.toString());
            }
            if (!awaitExit(Duration.ofSeconds(STOP_GRACE_SECONDS))) {
                if (channel.conn().isConnected()) {
                    LOG.warn("agent on {} (pid {}) still runs {} s after its stdin closed; sending SIGTERM",
                            host.label(), pid, STOP_GRACE_SECONDS);
                    signalGroup("TERM");
                    if (!awaitExit(KILL_WAIT)) {
                        signalGroup("KILL");
                        if (!awaitExit(KILL_WAIT)) {
                            problem = "the agent (pid " + pid + ") did not stop on stdin EOF, SIGTERM or SIGKILL";
                        }
                    }
                } else {
                    LOG.warn("lost the connection to {}; its agent (pid {}) exits when sshd closes its stdin",
                            host.label(), pid);
                }
            }
            if (channel.conn().isConnected()) {
                signalGroup("KILL"); // whatever the agent left in its process group
            }
        } finally {
            cleanable.clean();
        }
        if (problem != null) {
            throw new RemoteHostException(host.label(), problem, null);
        }
    }

    private void signalGroup(String signal) {
        String cmd = (sudo ? "sudo -n " : "") + "kill -" + signal + " -- -" + pid + " 2>/dev/null; true";
        try {
            channel.conn().exec(cmd, null, Duration.ofSeconds(10));
        } catch (RemoteHostException e) {
            LOG.warn("cannot signal the agent on {}: {}", host.label(), e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "RemoteAgent[" + host.label() + ", pid " + pid + (isAlive() ? ", running" : ", exited "
                + exitStatus().map(String::valueOf).orElse("(signal or lost)")) + "]";
    }

    private static Thread pump(Host.Ssh host, String stream, InputStream in, Consumer<String> logLine,
                               CompletableFuture<String> firstLine, Deque<String> keep) {
        return Thread.ofPlatform().daemon().name("latscope-ssh-" + host.label() + "-" + stream).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                boolean awaitingPid = firstLine != null;
                while ((line = r.readLine()) != null) {
                    if (awaitingPid && line.startsWith(PID_MARKER + " ")) {
                        awaitingPid = false;
                        firstLine.complete(line);
                        continue;
                    }
                    if (keep != null) {
                        synchronized (keep) {
                            if (keep.size() == KEEP_STDERR_LINES) {
                                keep.removeFirst();
                            }
                            keep.addLast(line);
                        }
                    }
                    try {
                        logLine.accept(line);
                    } catch (RuntimeException e) {
                        LOG.warn("the agent log consumer of {} failed on a line: {}", host.label(), e.toString());
                    }
                }
            } catch (IOException e) {
                LOG.debug("agent {} stream of {} ended: {}", stream, host.label(), e.toString());
            } finally {
                if (firstLine != null) {
                    firstLine.complete(null);
                }
            }
        });
    }

    private static java.util.List<String> snapshot(Deque<String> d) {
        synchronized (d) {
            return java.util.List.copyOf(d);
        }
    }

    private static int exit(Session.Command c) {
        Integer e = c.getExitStatus();
        return e == null ? -1 : e;
    }

    private static void closeQuietly(Session s) {
        try {
            s.close();
        } catch (IOException | RuntimeException ignored) {
            // failing already; the caller closes the connection
        }
    }
}
