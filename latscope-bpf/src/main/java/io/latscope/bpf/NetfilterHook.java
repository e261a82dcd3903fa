package io.latscope.bpf;

/** A netfilter hook a {@code netfilter} BPF program attaches to (per namespace and family). */
public enum NetfilterHook {
    PRE_ROUTING(0), LOCAL_IN(1), FORWARD(2), LOCAL_OUT(3), POST_ROUTING(4);

    final int hooknum;

    NetfilterHook(int hooknum) {
        this.hooknum = hooknum;
    }

    /** Address family of a netfilter hook. */
    public enum Family {
        IPV4(2), IPV6(10);
        final int pf;

        Family(int pf) {
            this.pf = pf;
        }
    }
}
