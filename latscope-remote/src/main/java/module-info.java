/**
 * Sessions across hosts: deploys agents over SSH (or into namespaces), syncs their clocks,
 * reads their records from Redis and joins markers across hosts. Found through
 * {@link io.latscope.SessionProvider}; users never import it.
 */
module io.latscope.remote {
    requires io.latscope.api;
    requires io.latscope.bpf;
    requires io.latscope.agent;
    requires io.latscope.sync;
    requires io.latscope.redis;
    requires io.latscope.remote.agent;
    requires com.hierynomus.sshj;
    requires org.slf4j;

    provides io.latscope.SessionProvider with io.latscope.remote.RemoteSessionProvider;
}
