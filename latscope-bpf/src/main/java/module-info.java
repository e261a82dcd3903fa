/**
 * LatScope's kernel layer: BPF objects, programs, maps, links, ring buffers, feature probes
 * and network namespaces, over jextract-generated libbpf bindings ({@code io.latscope.bpf.raw},
 * never exported). Only LatScope's own engines read it.
 */
module io.latscope.bpf {
    requires transitive io.latscope.api;
    requires org.slf4j;

    exports io.latscope.bpf to io.latscope.sync, io.latscope.agent, io.latscope.redis, io.latscope.remote.agent,
            io.latscope.remote;
}
