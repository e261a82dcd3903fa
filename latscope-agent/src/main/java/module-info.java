/**
 * The local engine: loads LatScope's probes into this host's kernel, drains their ring
 * buffer and joins markers into per-hop histograms. Found through
 * {@link io.latscope.SessionProvider}; users never import it.
 */
module io.latscope.agent {
    requires transitive io.latscope.api;
    requires io.latscope.bpf;
    requires org.slf4j;

    exports io.latscope.agent to io.latscope.redis, io.latscope.remote.agent, io.latscope.remote;

    provides io.latscope.SessionProvider with io.latscope.agent.LocalSessionProvider;
}
