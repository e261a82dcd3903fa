package io.latscope.remote;

import io.latscope.Host;
import io.latscope.LatScopeSession;
import io.latscope.SessionSpec;
import io.latscope.error.ConfigurationException;
import io.latscope.transport.RedisEndpoint;

import java.util.ArrayList;
import java.util.List;

/** Turns a spec's remote hosts into agent targets and starts the controller. */
public final class RemoteHosts {
    private RemoteHosts() {
    }

    public static LatScopeSession start(SessionSpec spec) {
        List<RemoteTarget> targets = new ArrayList<>();
        for (Host h : spec.hosts()) {
            targets.add(target(h));
        }
        RedisEndpoint redis = RedisEndpoint.parse(spec.redisUrl(),
                spec.redisPassword() == null ? null : spec.redisPassword().value());
        return RemoteSession.start(spec, targets, redis, spec.sync(), spec.syncReference());
    }

    private static RemoteTarget target(Host h) {
        throw new ConfigurationException("host " + h + " has no remote agent launcher; "
                + "Host.local() cannot be combined with remote hosts");
    }
}
