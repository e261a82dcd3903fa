package io.latscope.sync;

import io.latscope.bpf.NetNs;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clock sync in the places issue 19 saw it fall short, on this 2-vCPU machine (namespaces
 * share one clock: the truth is 0): three hosts behind a bridge with bulk flows between them
 * (latscope-remote's multi-host topology, sync only), and a veth pair while another sync
 * session's XDP and tracepoint programs run on other interfaces.
 */
@KernelTest
class SyncTopologyTest {
    private static final Duration MEASURE = Duration.ofSeconds(12);

    /**
     * The controller on a root-namespace veth whose peer is a port of a root bridge, three
     * hosts in namespaces on the same bridge, iperf3 bulk flows h1 → h2 and h2 → h3 (both
     * through the bridge, on the interfaces the probes use). Held: the bound contains the truth
     * in ≥ 99 % of estimates (measured: always), and the median |error| stays ≤ 1 µs. Not held,
     * because no two-way method can: the median ≤ 100 ns and p99 ≤ 1 µs. Through a
     * bridge the probe's leg (injected by BPF_PROG_RUN) takes 450–600 ns longer than the reply's
     * on this kernel, a constant asymmetry no probe selection can see (medians 161–567 ns over
     * five runs). And h2, which receives one flow and sends the other while both saturate the
     * two vCPUs, keeps a standing queue on one leg for seconds: the probes then only say the
     * offset lies in [−fastest reply, +fastest request], whose middle is off by half their
     * difference (p99 0.8–52 µs over five runs); the stated bound widens with it and holds.
     * Those runs had BBR flows (the machines' default), and the flows here run BBR by name:
     * CUBIC flows keep such a queue all the time (a CI dry run of 2026-12-06: |error| median
     * 14 µs, bound median 24 µs, every bound containing the truth; docs/sync.md).
     */
    @Test
    void threeHostsBehindABridgeWithTrafficFlowing() {
        IperfFlow.binary();
        try (TestNetwork net = TestNetwork.create().congestionControl("bbr")) {
            String br = net.rootBridge(null);
            String me = net.rootPort("10.88.0.254/24", br);
            List<SyncHost> hosts = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                NetNs ns = net.namespace("h" + i);
                String dev = net.connectToRootBridge("h" + i, "10.88.0." + i + "/24", br);
                hosts.add(SyncHost.of("h" + i, ns, dev, "10.88.0." + i));
            }
            SyncHost controller = SyncHost.of("controller", NetNs.current(), me, "10.88.0.254");
            Duration lasting = MEASURE.plusSeconds(4);
            PublishedModels p;
            String flows;
            try (IperfFlow f12 = IperfFlow.start(net, "h1", "10.88.0.1", "h2", "10.88.0.2", 5201, lasting);
                 IperfFlow f23 = IperfFlow.start(net, "h2", "10.88.0.2", "h3", "10.88.0.3", 5202, lasting);
                 ClockSync sync = ClockSync.start(Sync.xdp(), controller, hosts)) {
                p = PublishedModels.collect(sync, List.of("h1", "h2", "h3"), MEASURE);
                flows = f12 + ", " + f23;
            }
            System.out.println("three hosts behind a bridge, " + flows + ": " + p);
            assertThat(p.models()).as(p.toString()).hasSizeGreaterThanOrEqualTo(3 * 8);
            assertThat(p.containedFraction()).as(p.toString()).isGreaterThanOrEqualTo(0.99);
            assertThat(p.medianAbsError()).as(p.toString()).isLessThanOrEqualTo(1000);
            assertThat(p.inHistory()).as(p.toString()).isEqualTo(p.models().size());
            assertThat(net.attachedBpf()).isEmpty();
        }
    }

    /**
     * A host that routes for another — a VM's host, a container's — sees that host's probes
     * on its own interface first. Its responder leaves them alone (they are not addressed to
     * it) and the other host's responder answers them: before, the router's XDP answered
     * every probe it saw, so the "guest" never heard one and its clock was the router's.
     * Controller ↔ r on a veth, r ↔ g on a veth, r forwards.
     */
    @Test
    void aHostThatRoutesForAnotherLeavesItsProbesToIt() {
        try (TestNetwork net = TestNetwork.create()) {
            net.namespace("r");
            net.namespace("g");
            String me = net.rootLink("r", "10.121.1.254/24", "10.121.1.1/24");
            net.veth("r", "10.121.2.1/24", "g", "10.121.2.2/24");
            net.exec("r", "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            net.exec("g", "ip", "route", "add", "default", "via", "10.121.2.1");
            io.latscope.testbed.Cmd.run("ip", "route", "add", "10.121.2.0/24", "via", "10.121.1.1");
            SyncHost r = SyncHost.of("r", net.ns("r"), "up0", "10.121.1.1");
            SyncHost g = SyncHost.of("g", net.ns("g"), TestNetwork.vethName("g", "r"), "10.121.2.2");
            PublishedModels p;
            java.util.Map<String, ResponderStats> stats;
            try (ClockSync sync = ClockSync.start(Sync.xdp(), SyncHost.of("controller", NetNs.current(), me, "10.121.1.254"),
                    List.of(r, g))) {
                p = PublishedModels.collect(sync, List.of("r", "g"), Duration.ofSeconds(3));
                stats = sync.responderStats();
            }
            System.out.println("a host routing for another: " + p + "; responders " + stats);
            assertThat(stats.get("g").answered()).as(stats.toString()).isGreaterThanOrEqualTo(10);
            assertThat(stats.get("r").notMine()).as(stats.toString()).isGreaterThanOrEqualTo(stats.get("g").answered());
            assertThat(stats.get("g").notMine()).as(stats.toString()).isZero();
            assertThat(p.models()).as(p.toString()).hasSizeGreaterThanOrEqualTo(2 * 2);
            assertThat(p.containedFraction()).as(p.toString()).isEqualTo(1.0);
            assertThat(net.attachedBpf()).isEmpty();
        }
    }

    /**
     * Another sync session on another veth pair, started first (so its programs on the
     * machine-wide xdp_devmap_xmit tracepoint run before ours at every hand-off) and probing
     * ten times a second, against the same measurement without it, interleaved. With it the
     * error is no worse than without (median within 20 ns, p99 within 50 ns), every bound
     * contains the truth, and both stay near the quiet targets (median |error| ≤ 50 ns, p99 ≤
     * 100 ns: the 20 ns median held on the machine of 2026-12-03, 5–10 ns; the one of
     * 2026-12-04 has 25 ns without any other session, a constant of its own). The bound is not
     * compared: it widens with whatever else keeps the two vCPUs busy (the other session's
     * sender spins between its probes), by 11–68 % in four runs here. Measured: see docs/sync.md.
     */
    @Test
    void otherXdpProgramsOnOtherInterfacesLeaveAccuracyUnchanged() {
        try (TestNetwork net = TestNetwork.create()) {
            for (String ns : List.of("a", "b", "c", "d")) {
                net.namespace(ns);
            }
            net.veth("a", "10.89.0.1/24", "b", "10.89.0.2/24");
            net.veth("c", "10.89.1.1/24", "d", "10.89.1.2/24");
            SyncHost a = SyncHost.of("a", net.ns("a"), TestNetwork.vethName("a", "b"), "10.89.0.1");
            SyncHost b = SyncHost.of("b", net.ns("b"), TestNetwork.vethName("b", "a"), "10.89.0.2");
            SyncHost c = SyncHost.of("c", net.ns("c"), TestNetwork.vethName("c", "d"), "10.89.1.1");
            SyncHost d = SyncHost.of("d", net.ns("d"), TestNetwork.vethName("d", "c"), "10.89.1.2");
            Duration each = Duration.ofSeconds(7);
            List<ClockModel> alone = new ArrayList<>(), withOther = new ArrayList<>();
            for (int rep = 0; rep < 2; rep++) {
                try (ClockSync sync = ClockSync.start(Sync.xdp(), a, b)) {
                    alone.addAll(PublishedModels.collect(sync, List.of("b"), each).models());
                }
                try (ClockSync other = ClockSync.start(Sync.xdp().withInterval(Duration.ofMillis(100)).withBursts(1), c, d);
                     ClockSync sync = ClockSync.start(Sync.xdp(), a, b)) {
                    withOther.addAll(PublishedModels.collect(sync, List.of("b"), each).models());
                    assertThat(other.lastFailure("d")).isEmpty();
                }
            }
            PublishedModels without = new PublishedModels(alone, alone.size());
            PublishedModels with = new PublishedModels(withOther, withOther.size());
            System.out.println("another sync session on other interfaces: without " + without + "\n  with " + with);
            for (PublishedModels p : List.of(without, with)) {
                assertThat(p.models()).as(p.toString()).hasSizeGreaterThanOrEqualTo(2 * 5);
                assertThat(p.containedFraction()).as(p.toString()).isEqualTo(1.0);
                String method = p.models().getLast().method();
                assertThat(p.medianAbsError()).as(p.toString()).isLessThanOrEqualTo(SyncHosts.allowedErrorNanos(method, 50));
                assertThat(p.p99AbsError()).as(p.toString()).isLessThanOrEqualTo(SyncHosts.allowedErrorNanos(method, 100));
            }
            String both = "without " + without + "\n  with " + with;
            // through packet sockets (a kernel that refuses live XDP frames) both sessions stamp at
            // the one net_dev_start_xmit tracepoint, so the other's program runs on this session's
            // probes too, after or before its stamp: some 30 ns more on the forward leg at the
            // median (17-27 ns seen), up to 60 ns more at p99 (63 ns seen once)
            boolean packets = with.models().getLast().method().endsWith(", " + XdpInitiator.PACKET_SOCKET);
            assertThat(with.medianAbsError()).as(both).isLessThanOrEqualTo(without.medianAbsError() + (packets ? 60 : 20));
            assertThat(with.p99AbsError()).as(both).isLessThanOrEqualTo(without.p99AbsError() + (packets ? 120 : 50));
            assertThat(net.attachedBpf()).isEmpty();
        }
    }
}
