/** LatScope's public API: sessions, hops and latency reports. */
module io.latscope.core {
    requires transitive io.latscope.bpf;
    requires transitive HdrHistogram;
    requires org.slf4j;
    requires com.hierynomus.sshj;

    exports io.latscope;
    exports io.latscope.store;

    uses io.latscope.store.ResultStoreProvider;
}
