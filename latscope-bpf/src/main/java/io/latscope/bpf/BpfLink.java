package io.latscope.bpf;

/**
 * An attachment of a program to a kernel hook. Owns exactly one kernel attachment;
 * {@link #close()} detaches it and is idempotent.
 */
public interface BpfLink extends AutoCloseable {
    /** What is attached where, e.g. "tp_btf/net_dev_queue" or "xdp on veth0 in netns ns1 (native)". */
    String description();

    boolean isClosed();

    @Override
    void close();
}
