package io.latscope.config;

import io.latscope.FlowKey;

import java.net.InetAddress;

final class TestFlows {
    private TestFlows() {
    }

    static FlowKey flow(String src, int srcPort, String dst, int dstPort) {
        return new FlowKey(InetAddress.ofLiteral(src), srcPort, InetAddress.ofLiteral(dst), dstPort);
    }
}
