/** LatScope's public API: sessions, hops and latency reports. */
module io.latscope.core {
    requires transitive io.latscope.bpf;
    requires transitive HdrHistogram;
    requires com.hierynomus.sshj;
    requires org.slf4j;

    exports io.latscope;
    exports io.latscope.store;

    uses io.latscope.store.ResultStoreProvider;
}
