package io.latscope.remote;

import io.latscope.Host;
import io.latscope.LatScopeSession;
import io.latscope.SessionSpec;
import io.latscope.error.ConfigurationException;
import io.latscope.transport.RedisEndpoint;
import io.latscope.bpf.NetNs;
import io.latscope.sync.SyncHost;
import io.latscope.sync.Sync;

import java.net.InetAddress;
import java.net.UnknownHostException;

import java.util.ArrayList;
import java.util.List;

/** Turns a spec's remote hosts into agent targets and starts the controller. */
public final class RemoteHosts {
    private RemoteHosts() {
    }

    /**
     * Checks every host first (one error listing each host that is not ready and why), then
     * starts the controller, which starts an agent per host.
     */
    public static LatScopeSession start(SessionSpec spec, io.latscope.SessionListener listener) {
        List<Host.Ssh> ssh = new ArrayList<>();
        for (Host h : spec.hosts()) {
            switch (h) {
                case Host.Ssh s -> ssh.add(s);
                case Host.Local l -> throw new ConfigurationException(
                        "Host.local() cannot be combined with remote hosts in one session yet");
            }
        }
        RedisEndpoint redis = RedisEndpoint.of(spec.redis());
        boolean syncs = spec.sync().method() != io.latscope.SyncSpec.Method.NONE;
        SshDeployer deployer = SshDeployer.create();
        deployer.requireReady(ssh, new Preflight(Preflight.JAVA_FEATURE, syncs ? spec.sync().port() : 0));
        List<RemoteTarget> targets = new ArrayList<>();
        for (Host.Ssh h : ssh) {
            SyncHost sh = null;
            if (syncs) {
                if (h.interfaces().isEmpty()) {
                    throw new ConfigurationException("host " + h.label() + " needs interfaces(...) for clock sync");
                }
                // the agent answers on its own host; only the name, interface and address travel
                sh = new SyncHost(h.label(), NetNs.current(), h.interfaces().getFirst(), address(h));
            }
            targets.add(new RemoteTarget(h.label(), new SshLauncher(deployer, h), sh));
        }
        return RemoteSession.start(spec, listener, targets, redis, Sync.of(spec.sync()),
                syncs ? Sync.reference(spec.sync()) : null);
    }

    private static InetAddress address(Host.Ssh h) {
        try {
            return InetAddress.getByName(h.address());
        } catch (UnknownHostException e) {
            throw new ConfigurationException("host " + h.label() + ": cannot resolve " + h.address(), e);
        }
    }
}
