package io.latscope.bpf;

/** Program and attach kinds whose availability differs between kernels and configurations. */
public enum Feature {
    TP_BTF("tp_btf (BTF-enabled tracepoints)"),
    RAW_TRACEPOINT("raw_tp (raw tracepoints)"),
    TRACEPOINT("tracepoint (classic tracepoints via tracefs)"),
    FENTRY("fentry/fexit (BPF trampolines)"),
    KPROBE("kprobe"),
    XDP("XDP"),
    TC("tc (clsact)"),
    CGROUP_SKB("cgroup_skb"),
    SOCKOPS("sockops"),
    SOCKOPS_KERN_CTX("sockops with bpf_cast_to_kern_ctx"),
    NETFILTER("netfilter BPF links"),
    RINGBUF("BPF ring buffer"),
    /** The {@code bpf_rdonly_cast} kfunc (Linux 6.2+): without it the agent loads its pre-6.2 probe object. */
    RDONLY_CAST("bpf_rdonly_cast kfunc");

    private final String description;

    Feature(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
