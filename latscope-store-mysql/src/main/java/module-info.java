/** The default persistent result store: MySQL 8 or MariaDB. Found through {@link io.latscope.store.ResultStoreProvider}. */
module io.latscope.store.mysql {
    requires io.latscope.api;
    requires java.sql;
    requires com.zaxxer.hikari;
    // Connector/J has no module name of its own; this is the one derived from its jar.
    requires mysql.connector.j;
    requires org.slf4j;

    provides io.latscope.store.ResultStoreProvider with io.latscope.store.mysql.MySqlStoreProvider;
}
