package io.latscope.remote;

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

    public NamespaceLauncher(NetNs namespace) {
        this.namespace = namespace;
    }

    @Override
    public RunningAgent launch(AgentConfig config, Map<String, String> env, Consumer<String> log) {
        // nsenter --net, not ip netns exec: the latter also remounts /sys, hiding tracefs,
        // bpffs and cgroup2 from the agent
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + namespace.path(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xss1m", "-XX:+UseSerialGC", "-Xmx256m",
                "-Dlatscope.session=" + config.session(), "-Dlatscope.host=" + config.host(),
                "-cp", System.getProperty("java.class.path"), AgentMain.class.getName(), config.encode()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new LatScopeException("cannot start the agent for " + config.host() + " in " + namespace + ": "
                    + e.getMessage(), e);
        }
        Thread.ofPlatform().daemon().name("latscope-agent-log-" + config.host()).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    log.accept(line);
                }
            } catch (IOException e) {
                // process gone
            }
        });
        return new Child(config.host(), p);
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
