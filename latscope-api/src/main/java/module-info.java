/**
 * LatScope's public API: what a user names. Specs ({@link io.latscope.SessionSpec}, built by
 * {@link io.latscope.LatScope#builder()}), reports ({@link io.latscope.LatencyReport}), hops
 * and layers, the exception hierarchy ({@code io.latscope.error}) and the result-store SPI
 * ({@code io.latscope.store}). Engines and stores are found through {@link java.util.ServiceLoader}.
 */
module io.latscope.api {
    requires transitive HdrHistogram;
    requires org.slf4j;

    exports io.latscope;
    exports io.latscope.error;
    exports io.latscope.store;

    uses io.latscope.SessionProvider;
    uses io.latscope.store.ResultStoreProvider;
    provides io.latscope.store.ResultStoreProvider with io.latscope.store.memory.InMemoryStoreProvider;
}
