package io.latscope.remote;

import io.latscope.Host;
import io.latscope.testbed.SshTestHosts;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** Test helpers: a {@link Host.Ssh} for a test host, and process checks. */
final class SshTestSupport {
    private SshTestSupport() {
    }

    /** Key auth as root, verified against the test hosts' known_hosts. */
    static Host.Ssh host(SshTestHosts.Endpoint e) {
        return Host.ssh(e.address()).port(e.port()).user(e.user()).label(e.name()).key(e.privateKey())
                .knownHosts(e.knownHosts());
    }

    /** Whether a process exists (all test hosts share this machine's PID namespace). */
    static boolean running(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Waits until a process is gone; false if it still runs after {@code timeout}. */
    static boolean awaitGone(long pid, Duration timeout) throws InterruptedException {
        return eventually(timeout, () -> !running(pid));
    }

    /** Polls {@code condition} until it holds (true) or {@code timeout} passes (false). */
    static boolean eventually(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    /** Waits until only the sshd is left in a test host's namespace (sessions end a moment after a disconnect). */
    static boolean onlySshdLeft(SshTestHosts ssh, String host) throws InterruptedException {
        return eventually(Duration.ofSeconds(10), () -> ssh.pidsIn(host).size() == 1);
    }

    static Optional<String> commandLine(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().commandLine());
    }
}
