package io.latscope.remote;

import io.latscope.LatScope;
import io.latscope.bpf.NetNs;
import io.latscope.sync.Sync;
import io.latscope.transport.RedisEndpoint;

import java.util.ArrayList;
import java.util.List;

/**
 * Child-process entry of {@link MultiHostTest}: a controller that starts agents in the
 * given namespaces, prints "ready SESSION" and waits to be killed.
 * Args: REDIS_URL LABEL=NAMESPACE...
 */
public final class ControllerMain {
    private ControllerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        List<RemoteTarget> targets = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            targets.add(new RemoteTarget(kv[0], new NamespaceLauncher(NetNs.named(kv[1])), null));
        }
        RemoteSession s = RemoteSession.start(LatScope.builder().ports(5404).build(), io.latscope.SessionListener.NONE, targets,
                RedisEndpoint.parse(args[0], null), Sync.none(), null);
        System.out.println("ready " + s.id());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
