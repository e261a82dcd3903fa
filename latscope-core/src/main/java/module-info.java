/** LatScope's public API: sessions, hops and latency reports; result stores. */
module io.latscope.core {
    requires transitive io.latscope.bpf;
    requires transitive io.latscope.sync;
    requires transitive HdrHistogram;
    requires com.hierynomus.sshj;
    requires org.slf4j;
    requires java.sql;
    requires com.zaxxer.hikari;
    // Connector/J has no module name of its own; this is the one derived from its jar.
    requires mysql.connector.j;
    requires redis.clients.jedis;

    exports io.latscope;
    exports io.latscope.store;

    uses io.latscope.store.ResultStoreProvider;
    provides io.latscope.store.ResultStoreProvider with
            io.latscope.store.mysql.MySqlStoreProvider,
            io.latscope.store.memory.InMemoryStoreProvider;
}
