package io.latscope.bpf;

/** Where on a device a tc (clsact) program runs. */
public enum TcDirection {
    INGRESS(1), EGRESS(2);

    final int attachPoint;

    TcDirection(int attachPoint) {
        this.attachPoint = attachPoint;
    }
}
