package io.latscope.remote;

import io.latscope.remote.agent.AgentMain;
import io.latscope.remote.agent.AgentConfig;
import io.latscope.bpf.NetNs;
import io.latscope.error.LatScopeException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs an agent as a child JVM of this process inside a network namespace of this
 * machine ({@code nsenter --net}), on this JVM's own class path: a "host" that is a
 * namespace, as containers are. The child gets the same stop-on-stdin-EOF contract as an
 * SSH-launched agent.
 */
public final class NamespaceLauncher implements AgentLauncher {
    private final NetNs namespace;
    private final List<String> jvmArgs;

    public NamespaceLauncher(NetNs namespace) {
        this(namespace, List.of());
    }

    /**
     * @param namespace where the agent runs
     * @param jvmArgs   more options for the agent's JVM (tests: e.g. {@code -Dlatscope.test.refusePoints=RX_SOCK})
     */
    public NamespaceLauncher(NetNs namespace, List<String> jvmArgs) {
        this.namespace = namespace;
        this.jvmArgs = List.copyOf(jvmArgs);
    }

    @Override
    public RunningAgent launch(AgentConfig config, Map<String, String> env, Consumer<String> log) {
        // nsenter --net, not ip netns exec: the latter also remounts /sys, hiding tracefs,
        // bpffs and cgroup2 from the agent
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + namespace.path(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xss1m", "-XX:+UseSerialGC", "-Xmx256m",
                "-Dlatscope.session=" + config.session(), "-Dlatscope.host=" + config.host()));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), AgentMain.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // the child inherits this JVM's environment: keep the controller's secrets out of it
        pb.environment().remove(io.latscope.RedisSpec.PASSWORD_ENV);
        pb.environment().remove(io.latscope.Credentials.PASSWORD_ENV);
        pb.environment().putAll(env);
        Process p = null;
        try {
            p = pb.start();
            // the configuration, secrets included, goes through the pipe, never the command line;
            // the pipe stays open: its EOF tells the agent to stop
            p.getOutputStream().write((config.encode() + "\n").getBytes(StandardCharsets.US_ASCII));
            p.getOutputStream().flush();
        } catch (IOException e) {
            if (p != null) {
                p.destroyForcibly();
            }
            throw new LatScopeException("cannot start the agent for " + config.host() + " in " + namespace + ": "
                    + e.getMessage(), e);
        }
        Process started = p;
        Thread.ofPlatform().daemon().name("latscope-agent-log-" + config.host()).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    log.accept(line);
                }
            } catch (IOException e) {
                // process gone
            }
        });
        return new Child(config.host(), started);
    }

    private record Child(String host, Process process) implements RunningAgent {
        public boolean isAlive() {
            return process.isAlive();
        }

        public Optional<Integer> exitStatus() {
            return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
        }

        public boolean awaitExit(Duration timeout) {
            try {
                return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        public void close() {
            try {
                process.getOutputStream().close(); // the agent's signal to stop
            } catch (IOException e) {
                // already closed
            }
            if (!awaitExit(Duration.ofSeconds(15))) {
                process.destroyForcibly();
                awaitExit(Duration.ofSeconds(5));
            }
        }
    }
}
