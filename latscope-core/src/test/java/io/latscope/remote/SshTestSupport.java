package io.latscope.remote;

import io.latscope.Host;
import io.latscope.testbed.SshTestHosts;

import java.time.Duration;
import java.util.Optional;

/** Test helpers: a {@link Host.Ssh} for a test host, and process checks. */
final class SshTestSupport {
    private SshTestSupport() {
    }

    /** Key auth as root, verified against the test hosts' known_hosts. */
    static Host.Ssh host(SshTestHosts.Endpoint e) {
        return Host.ssh(e.address()).port(e.port()).user(e.user()).label(e.name()).key(e.privateKey())
                .knownHosts(e.knownHosts()).connectTimeout(Duration.ofSeconds(3));
    }

    /** Whether a process exists (all test hosts share this machine's PID namespace). */
    static boolean running(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Waits until a process is gone; false if it still runs after {@code timeout}. */
    static boolean awaitGone(long pid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (running(pid)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    static Optional<String> commandLine(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().commandLine());
    }
}
