package io.latscope.testbed;

import io.latscope.error.LatScopeException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a short command (ip, tc, …) and returns its stdout; failures name the command and its stderr. */
public final class Cmd {
    private Cmd() {
    }

    public static String run(String... command) {
        return run(List.of(command));
    }

    public static String run(List<String> command) {
        Result r = exec(command);
        if (r.exit() != 0) {
            throw new LatScopeException("command failed (exit " + r.exit() + "): " + String.join(" ", command)
                    + (r.stderr().isBlank() ? "" : ": " + r.stderr().strip()));
        }
        return r.stdout();
    }

    public record Result(int exit, String stdout, String stderr) {
    }

    public static Result exec(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            // stderr read beside stdout: a command that fills one pipe while the other is read would wait forever
            var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getErrorStream().readAllBytes();
                } catch (IOException e) {
                    return ("(stderr unreadable: " + e.getMessage() + ")").getBytes(StandardCharsets.UTF_8);
                }
            }, Thread::startVirtualThread);
            var out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new LatScopeException("command timed out: " + String.join(" ", command));
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new LatScopeException("cannot run " + command.getFirst() + packageHint(command.getFirst()) + ": "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LatScopeException("interrupted running " + String.join(" ", command), e);
        }
    }

    /** The Debian package that has a command the test bed runs, as a hint for a command that will not start. */
    static String packageHint(String command) {
        String name = command.substring(command.lastIndexOf('/') + 1);
        String pkg = switch (name) {
            case "ip", "tc", "bridge", "ss" -> "iproute2";
            case "modprobe" -> "kmod";
            case "bpftool" -> "bpftool";
            case "ssh-keygen", "ssh" -> "openssh-client";
            case "sshd" -> "openssh-server";
            case "sysctl", "pgrep" -> "procps";
            case "setpriv", "unshare", "nsenter" -> "util-linux";
            case "qemu-system-x86_64" -> "qemu-system-x86";
            case "mount", "sockperf", "iperf3", "bpftrace", "make", "gcc" -> name;
            default -> null;
        };
        return pkg == null ? " (is it installed and on the PATH?)" : " (is " + pkg + " installed? apt-get install " + pkg + ")";
    }
}
