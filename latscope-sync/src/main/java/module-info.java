/** XDP-timestamped clock synchronisation between hosts: responder, initiator, estimator. */
module io.latscope.sync {
    requires transitive io.latscope.bpf;
    requires org.slf4j;

    exports io.latscope.sync;
}
