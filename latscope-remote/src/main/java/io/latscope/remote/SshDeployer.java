package io.latscope.remote;

import io.latscope.error.RemoteHostException;
import io.latscope.Host;
import io.latscope.error.ConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Deploys LatScope agents over SSH (sshj): checks hosts, uploads the agent's class path
 * (cached on each host by checksum) and starts the agent as a child of an exec channel
 * whose stdin stays open — see {@link RemoteAgent} for the contract that keeps agents
 * from outliving their controller.
 *
 * <pre>{@code
 * SshDeployer d = SshDeployer.create();
 * d.requireReady(hosts, Preflight.standard());          // one error naming every host and what it lacks
 * try (RemoteAgent a = d.start(host, AgentLaunch.ofOwnClassPath("io.latscope.agent.Main", args, log::info))) {
 *     ...
 * }
 * }</pre>
 */
public final class SshDeployer {
    private static final Logger LOG = LoggerFactory.getLogger(SshDeployer.class);

    private SshDeployer() {
    }

    public static SshDeployer create() {
        return new SshDeployer();
    }

    /** Checks every host in parallel; one result per host, in the given order. Never throws for a host's failure. */
    public List<HostCheck> preflight(List<Host.Ssh> hosts, Preflight requirements) {
        requireDistinctLabels(hosts);
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HostCheck>> fs = new ArrayList<>();
            for (Host.Ssh h : hosts) {
                fs.add(ex.submit(() -> check(h, requirements)));
            }
            List<HostCheck> out = new ArrayList<>();
            for (int i = 0; i < fs.size(); i++) {
                try {
                    out.add(fs.get(i).get());
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    out.add(new HostCheck(hosts.get(i), List.of("the check failed: " + c), null, null, false));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RemoteHostException(String.join(", ", hosts.stream().map(Host::label).toList()),
                            "interrupted during the preflight", e);
                }
            }
            return out;
        }
    }

    /**
     * {@link #preflight} that throws one {@link RemoteHostException} listing every host that is
     * not ready and everything it lacks.
     */
    public void requireReady(List<Host.Ssh> hosts, Preflight requirements) {
        List<HostCheck> failed = preflight(hosts, requirements).stream().filter(c -> !c.ready()).toList();
        if (failed.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder().append(failed.size()).append(" of ").append(hosts.size())
                .append(hosts.size() == 1 ? " host is" : " hosts are").append(" not ready for LatScope's agent:");
        for (HostCheck c : failed) {
            sb.append("\n  ").append(c);
        }
        throw RemoteFailures.notReady(sb.toString(), failed);
    }

    /**
     * Uploads the class path (only what the host's cache lacks) and starts
     * {@code java <jvmArgs> -cp <jars> <mainClass> <args>} on the host, with {@code sudo -n}
     * when the host is configured so and the user is not root. Returns once the process
     * runs; its output goes to {@link AgentLaunch#logLine()}. On failure nothing is left
     * running or connected.
     */
    public RemoteAgent start(Host.Ssh host, AgentLaunch launch) {
        List<ClassPathUpload.Entry> entries = ClassPathUpload.prepare(launch.classPath());
        try {
            SshConnection conn = SshConnection.open(host);
            try {
                HostCheck check = HostProbe.check(conn, new Preflight(Preflight.JAVA_FEATURE, 0));
                if (check.java() == null) {
                    throw RemoteFailures.at(host, "cannot start the agent: " + check.problems().stream()
                            .filter(p -> p.startsWith("no Java")).findFirst().orElse("no usable java"), null);
                }
                boolean sudo = host.sudo() && !check.root();
                ClassPathUpload.Outcome up = ClassPathUpload.upload(conn, entries);
                LOG.info("{}: uploaded {} of {} class path entries ({} bytes); starting {}", host.label(), up.uploadedFiles(),
                        entries.size(), up.uploadedBytes(), launch.mainClass());
                String command = command(check.java(), sudo, up.remotePaths(), launch);
                return RemoteAgent.start(host, conn, command, stdinBlock(launch), sudo, launch.logLine(),
                        up.uploadedFiles(), up.uploadedBytes());
            } catch (RuntimeException e) {
                conn.close();
                throw e;
            }
        } finally {
            ClassPathUpload.cleanUp(entries);
        }
    }

    /**
     * Starts an agent on every host in parallel, all or nothing: when a start fails, the
     * agents that did start are stopped, and one {@link RemoteHostException} names every host
     * that failed and why.
     */
    public List<RemoteAgent> startAll(List<Host.Ssh> hosts, Function<Host.Ssh, AgentLaunch> launch) {
        requireDistinctLabels(hosts);
        List<RemoteAgent> started = new ArrayList<>();
        List<RemoteHostException> failed = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<RemoteAgent>> fs = new ArrayList<>();
            for (Host.Ssh h : hosts) {
                fs.add(ex.submit(() -> start(h, launch.apply(h))));
            }
            for (int i = 0; i < fs.size(); i++) {
                try {
                    started.add(fs.get(i).get());
                } catch (ExecutionException e) {
                    failed.add(e.getCause() instanceof RemoteHostException re ? re
                            : RemoteFailures.at(hosts.get(i), "cannot start the agent: " + e.getCause(), e.getCause()));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failed.add(RemoteFailures.at(hosts.get(i), "interrupted while starting the agent", e));
                }
            }
        }
        if (failed.isEmpty()) {
            return started;
        }
        for (RemoteAgent a : started) {
            try {
                a.close();
            } catch (RuntimeException e) {
                failed.add(RemoteFailures.at(a.sshHost(), "stopping the agent after the others failed: " + e.getMessage(), e));
            }
        }
        throw RemoteFailures.several("cannot start agents on " + failed.size() + " of " + hosts.size() + " hosts"
                + (started.isEmpty() ? "" : " (stopped the " + started.size() + " that started)") + ":", failed);
    }

    /**
     * {@code exec /bin/sh -c 'echo latscope-pid $$; exec [sudo -n] /bin/sh -c '<read env>; exec java …''}:
     * whatever the login shell, the outer sh prints its PID and becomes java (or sudo), so the
     * PID is the agent's own and — sshd having made the session's process a session leader —
     * also its process group. The marker tells the PID apart from whatever a chatty shell
     * start-up file prints first. The inner sh reads {@code NAME=value} lines from stdin up to
     * an empty line and exports them (sh's {@code read} takes one byte at a time from a pipe,
     * so java inherits the rest of stdin untouched): environment values — passwords among
     * them — never appear on a command line, in {@code ps}, in sudo's log or in sshj's.
     */
    static String command(String java, boolean sudo, List<String> classPath, AgentLaunch launch) {
        List<String> words = new ArrayList<>();
        words.add(java);
        words.addAll(launch.jvmArgs());
        words.add("-cp");
        words.add(String.join(":", classPath));
        words.add(launch.mainClass());
        words.addAll(launch.args());
        String inner = "while IFS= read -r l && [ -n \"$l\" ]; do export \"$l\"; done; exec " + Shell.join(words);
        return "exec /bin/sh -c " + Shell.quote("echo " + RemoteAgent.PID_MARKER + " $$; exec " + (sudo ? "sudo -n " : "")
                + "/bin/sh -c " + Shell.quote(inner));
    }

    /** What the agent's stdin gets first: the environment block, then the program's input line, if any. */
    static byte[] stdinBlock(AgentLaunch launch) {
        byte[] env = environmentBlock(launch.env());
        if (launch.input().isEmpty()) {
            return env;
        }
        byte[] in = (launch.input() + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] all = java.util.Arrays.copyOf(env, env.length + in.length);
        System.arraycopy(in, 0, all, env.length, in.length);
        return all;
    }

    /** The environment block the start command reads from stdin: {@code NAME=value} lines, then an empty line. */
    static byte[] environmentBlock(Map<String, String> env) {
        StringBuilder sb = new StringBuilder();
        env.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static HostCheck check(Host.Ssh h, Preflight req) {
        try (SshConnection c = SshConnection.open(h)) {
            return HostProbe.check(c, req);
        } catch (RemoteHostException e) {
            String prefix = h.label() + " (" + h.target() + "): ";
            String m = e.getMessage();
            return new HostCheck(h, List.of(m.startsWith(prefix) ? m.substring(prefix.length()) : m), null, null, false);
        }
    }

    private static void requireDistinctLabels(List<Host.Ssh> hosts) {
        Set<String> seen = new HashSet<>();
        for (Host.Ssh h : hosts) {
            if (!seen.add(h.label())) {
                throw new ConfigurationException("two hosts are labelled '" + h.label() + "'; give each a label(...)");
            }
        }
    }
}
