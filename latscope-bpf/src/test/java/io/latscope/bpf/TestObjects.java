package io.latscope.bpf;

/** The test-only BPF objects built from src-bpf/test. */
final class TestObjects {
    private TestObjects() {
    }

    static BpfObject testprogs() {
        BpfObject o = BpfObject.openResource(TestObjects.class, "/io/latscope/bpf/testobj/testprogs.bpf.o", "testprogs");
        o.program("test_rejected").setAutoload(false);
        return o;
    }

    /** Index of counters[] in testprogs.bpf.c. */
    static final int K_TP_BTF = 0, K_RAW_TP = 1, K_TRACEPOINT = 2, K_XDP = 3, K_TC = 4, K_MAGIC = 5;
}
