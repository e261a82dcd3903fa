/** Redis Streams between remote agents and the controller: records, reports, heartbeats. */
module io.latscope.redis {
    requires transitive io.latscope.api;
    requires io.latscope.agent;
    requires redis.clients.jedis;
    requires org.slf4j;

    exports io.latscope.transport to io.latscope.remote.agent, io.latscope.remote;
}
