package io.latscope.remote;

import io.latscope.Host;
import io.latscope.LatScope;
import io.latscope.Namespace;
import io.latscope.SyncSpec;

import java.nio.file.Path;

/**
 * Child-process entry of {@link SshSecretsAndKillTest}: a controller that starts a real
 * session on SSH hosts (Redis password from {@code LATSCOPE_REDIS_PASSWORD} in its own
 * environment, XDP clock sync with a session key), prints {@code ready <session> <sync key>}
 * and waits to be killed. Args: REDIS_URL IFNAME ADDRESS, then per host
 * {@code label,address,port,user,sudo,key,knownHosts,ifname}.
 */
public final class SshSessionControllerMain {
    private SshSessionControllerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        LatScope.Builder b = LatScope.builder().ports(5605).redis(args[0]).sync(SyncSpec.xdp())
                .syncReference(Namespace.current(), args[1], args[2]);
        for (int i = 3; i < args.length; i++) {
            String[] f = args[i].split(",");
            b.hosts(Host.ssh(f[1]).label(f[0]).port(Integer.parseInt(f[2])).user(f[3]).sudo(Boolean.parseBoolean(f[4]))
                    .key(Path.of(f[5])).knownHosts(Path.of(f[6])).interfaces(f[7]));
        }
        RemoteSession s = (RemoteSession) b.start();
        System.out.println("ready " + s.id() + " " + s.syncKeyEncoded());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
