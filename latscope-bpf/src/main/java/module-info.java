/**
 * LatScope's libbpf layer: BPF objects, programs, maps, links, ring buffers, feature
 * probes and network namespaces, over jextract-generated bindings (not exported).
 */
module io.latscope.bpf {
    requires org.slf4j;

    exports io.latscope.bpf;
    exports io.latscope.error;
    exports io.latscope.testbed;
}
