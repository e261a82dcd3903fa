package io.latscope.agent;

import io.latscope.Hop;
import io.latscope.Layer;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The probe points of probes.bpf.c ({@code enum ls_point}), in path order, with the
 * layer each belongs to and the BPF programs that implement it.
 */
public enum ProbePoint {
    TX_SOCK(Layer.SOCKET, Hop.TX_SOCKET, "tcp_sendmsg_locked", List.of("tx_sock")),
    TX_TCP(Layer.TCP, Hop.TX_TCP, "sockops HDR_OPT_LEN", List.of("tx_tcp")),
    TX_IP(Layer.IP, Hop.TX_IP, "netfilter LOCAL_OUT", List.of("tx_ip")),
    TX_DEV(Layer.DEV, Hop.TX_DEV, "net_dev_queue", List.of("tx_dev")),
    TX_XMIT(Layer.DEV, Hop.VETH, "net_dev_start_xmit", List.of("tx_xmit")),
    RX_DEV(Layer.DEV, Hop.RX_DEV, "netif_rx/napi_gro_receive/netif_receive_skb",
            List.of("rx_dev_netif_rx", "rx_dev_gro", "rx_dev_receive", "rx_dev_receive_list")),
    RX_IP(Layer.IP, Hop.RX_IP, "netfilter PRE_ROUTING", List.of("rx_ip")),
    RX_TCP(Layer.TCP, Hop.RX_TCP, "tcp_probe", List.of("rx_tcp")),
    RX_SOCK(Layer.SOCKET, Hop.RX_SOCKET, "sk_data_ready", List.of("rx_sock")),
    RX_APP(Layer.SOCKET, null, "sock_recv_length", List.of("rx_app"));

    private static final ProbePoint[] VALUES = values();

    private final Layer layer;
    private final Hop startsHop;
    private final String kernelPoint;
    private final List<String> programs;

    ProbePoint(Layer layer, Hop startsHop, String kernelPoint, List<String> programs) {
        this.layer = layer;
        this.startsHop = startsHop;
        this.kernelPoint = kernelPoint;
        this.programs = programs;
    }

    public static ProbePoint of(int id) {
        return VALUES[id];
    }

    /** The layer whose selection attaches this point. */
    public Layer layer() {
        return layer;
    }

    /** The hop that begins at this point (null for the last point, RX_APP). */
    public Hop startsHop() {
        return startsHop;
    }

    public String kernelPoint() {
        return kernelPoint;
    }

    public List<String> programs() {
        return programs;
    }

    public boolean isTx() {
        return ordinal() <= TX_XMIT.ordinal();
    }

    /** The first point a marker passes of {@code points} (the lowest), or null when empty. */
    public static ProbePoint first(Set<ProbePoint> points) {
        for (ProbePoint p : VALUES) {
            if (points.contains(p)) {
                return p;
            }
        }
        return null;
    }

    /** The last point a marker passes of {@code points} (the highest), or null when empty. */
    public static ProbePoint last(Set<ProbePoint> points) {
        for (int i = VALUES.length - 1; i >= 0; i--) {
            if (points.contains(VALUES[i])) {
                return VALUES[i];
            }
        }
        return null;
    }

    /** Points to attach for the requested layers; VETH needs the device points on both sides. */
    public static Set<ProbePoint> forLayers(Set<Layer> layers) {
        Set<ProbePoint> out = EnumSet.noneOf(ProbePoint.class);
        for (ProbePoint p : VALUES) {
            if (layers.contains(p.layer)) {
                out.add(p);
            }
        }
        if (layers.contains(Layer.VETH)) {
            out.add(TX_XMIT);
            out.add(RX_DEV);
        }
        return out;
    }

    /** Short name used in counters and marker records, e.g. "tx.sock". */
    public String label() {
        return point().label();
    }

    /** @return this point as the API names it */
    public io.latscope.Point point() {
        return io.latscope.Point.valueOf(name());
    }

    /**
     * @param p a point as the API names it
     * @return the probe point
     */
    public static ProbePoint of(io.latscope.Point p) {
        return valueOf(p.name());
    }

    /** The point of a {@link #label()}. */
    public static ProbePoint ofLabel(String label) {
        return valueOf(label.toUpperCase(java.util.Locale.ROOT).replace('.', '_'));
    }
}
