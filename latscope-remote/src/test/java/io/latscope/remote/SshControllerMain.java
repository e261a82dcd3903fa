package io.latscope.remote;

import io.latscope.Host;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Child-process entry of {@link SshControllerKillTest}: a "controller" that starts the
 * stand-in agent on a test host, prints {@code REMOTE_PID <pid>}, and then waits to be
 * killed. Args: address, user, key, known_hosts, sudo (true/false).
 */
public final class SshControllerMain {
    private SshControllerMain() {
    }

    public static void main(String[] args) throws URISyntaxException, InterruptedException {
        Host.Ssh host = Host.ssh(args[0]).user(args[1]).label("target").key(Path.of(args[2])).knownHosts(Path.of(args[3]))
                .sudo(Boolean.parseBoolean(args[4])).connectTimeout(Duration.ofSeconds(3));
        Path classes = Path.of(StdinEchoMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        RemoteAgent a = SshDeployer.create().start(host, new AgentLaunch(List.of(classes), StdinEchoMain.class.getName(),
                List.of(), List.of("lines=1"), Map.of(), l -> System.out.println("AGENT " + l)));
        System.out.println("REMOTE_PID " + a.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
