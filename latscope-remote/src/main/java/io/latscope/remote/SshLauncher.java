package io.latscope.remote;

import io.latscope.remote.agent.AgentMain;
import io.latscope.remote.agent.AgentConfig;
import io.latscope.Host;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Starts a host's agent over SSH: the caller's own class path, uploaded and cached by checksum. */
final class SshLauncher implements AgentLauncher {
    private final SshDeployer deployer;
    private final Host.Ssh host;

    SshLauncher(SshDeployer deployer, Host.Ssh host) {
        this.deployer = deployer;
        this.host = host;
    }

    @Override
    public RunningAgent launch(AgentConfig config, Map<String, String> env, Consumer<String> log) {
        return deployer.start(host, new AgentLaunch(AgentLaunch.ownClassPath(), AgentMain.class.getName(),
                List.of("--enable-native-access=ALL-UNNAMED", "-Xss1m", "-XX:+UseSerialGC",
                        "-Dlatscope.session=" + config.session(), "-Dlatscope.host=" + config.host()),
                List.of(), env, log, config.encode()));
    }
}
