/** LatScope's public API: sessions, hops and latency reports. */
module io.latscope.core {
    requires transitive io.latscope.bpf;
    requires transitive io.latscope.sync;
    requires transitive HdrHistogram;
    requires org.slf4j;
    requires redis.clients.jedis;

    exports io.latscope;
    exports io.latscope.store;

    uses io.latscope.store.ResultStoreProvider;
}
