package io.latscope.remote;

import io.latscope.error.RemoteHostException;
import io.latscope.Host;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Child-process entry of {@link SshAuthTest}, run with trace logging so every log line can
 * be searched for secrets: authenticates to one test host with the ssh-agent
 * ({@code SSH_AUTH_SOCK}), an encrypted key (right and wrong passphrase) and a password
 * (right and wrong), prints each outcome, the hosts, the preflight error with its stack
 * trace, and starts an agent with the encrypted key and a secret in its environment.
 * Secrets come in the environment.
 * Args: address, known_hosts, encrypted key.
 */
public final class SshAuthMain {
    private SshAuthMain() {
    }

    public static void main(String[] args) throws URISyntaxException {
        String addr = args[0];
        Path kh = Path.of(args[1]);
        Path encrypted = Path.of(args[2]);
        String password = System.getenv("LS_PASSWORD");
        String passphrase = System.getenv("LS_PASSPHRASE");
        Host.Ssh base = Host.ssh(addr).user("root").knownHosts(kh);
        List<Host.Ssh> hosts = List.of(
                base.label("agent").agentAuth(),
                base.label("phrase-ok").key(encrypted, passphrase),
                base.label("phrase-bad").key(encrypted, "x" + passphrase),
                base.label("password-ok").user("lstest").password(password),
                base.label("password-bad").user("lstest").password("x" + password));
        SshDeployer d = SshDeployer.create();
        for (HostCheck c : d.preflight(hosts, Preflight.standard())) {
            System.out.println("CHECK " + c.host().label() + ": " + (c.ready() ? "ready" : String.join("; ", c.problems())));
        }
        for (Host.Ssh h : hosts) {
            System.out.println("HOST " + h);
        }
        try {
            d.requireReady(hosts, Preflight.standard());
        } catch (RemoteHostException e) {
            e.printStackTrace(System.out);
        }
        Path classes = Path.of(StdinEchoMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (RemoteAgent a = d.start(hosts.get(1), new AgentLaunch(List.of(classes), StdinEchoMain.class.getName(),
                List.of(), List.of("lines=1"), Map.of("LS_SECRET", passphrase), l -> System.out.println("AGENT " + l)))) {
            System.out.println("STARTED " + a);
        }
        System.out.println("DONE");
    }
}
