package io.latscope.bpf;

import io.latscope.testbed.TestObjects;

/** testprogs.bpf.o (src-bpf/test) as BpfObjectTest uses it. */
final class TestPrograms {
    private TestPrograms() {
    }

    static BpfObject testprogs() {
        BpfObject o = TestObjects.open("testprogs");
        o.program("test_rejected").setAutoload(false);
        o.program("test_slow_verify").setAutoload(false);
        return o;
    }

    /** Index of counters[] in testprogs.bpf.c. */
    static final int K_TP_BTF = 0, K_RAW_TP = 1, K_TRACEPOINT = 2, K_XDP = 3, K_TC = 4, K_MAGIC = 5;
}
