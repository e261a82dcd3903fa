package io.latscope.testbed;

import io.latscope.bpf.BpfObject;

/** BPF programs for tests and benchmarks only ({@code src-bpf/test/}), never in a production jar. */
public final class TestObjects {
    private TestObjects() {
    }

    /**
     * @param name e.g. {@code testprogs}, {@code lossy}, {@code ringbench}, {@code emptyhooks}
     * @return the opened (not loaded) object
     */
    public static BpfObject open(String name) {
        return BpfObject.openResource(TestObjects.class, name + ".bpf.o", name);
    }
}
