/**
 * The agent process a controller starts on every remote host: measures with the local
 * engine, answers clock sync, reports through Redis. A program, not a library: its
 * {@code AgentMain} ends the process.
 */
module io.latscope.remote.agent {
    requires io.latscope.api;
    requires io.latscope.bpf;
    requires io.latscope.agent;
    requires io.latscope.sync;
    requires io.latscope.redis;
    requires org.slf4j;

    exports io.latscope.remote.agent to io.latscope.remote;
}
