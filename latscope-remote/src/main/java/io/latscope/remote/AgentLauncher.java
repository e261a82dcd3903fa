package io.latscope.remote;

import io.latscope.remote.agent.AgentMain;
import io.latscope.remote.agent.AgentConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Starts a LatScope agent for one host and owns the running process. Implementations:
 * over SSH for remote hosts, and as a child process inside a network namespace of this
 * machine. The contract every agent keeps: it stops, detaching its probes, when its
 * standard input closes.
 */
public interface AgentLauncher {
    /** Starts {@code AgentMain} with {@code config}; each line the agent prints goes to {@code log}. */
    RunningAgent launch(AgentConfig config, Map<String, String> env, Consumer<String> log);

    /** One started agent. {@link #close()} closes its standard input, waits, and kills it if it lingers. */
    interface RunningAgent extends AutoCloseable {
        String host();

        boolean isAlive();

        Optional<Integer> exitStatus();

        /** Waits for the agent to exit on its own; true when it did within {@code timeout}. */
        boolean awaitExit(Duration timeout);

        @Override
        void close();
    }
}
