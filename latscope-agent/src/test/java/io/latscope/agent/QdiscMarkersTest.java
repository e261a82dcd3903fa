package io.latscope.agent;

import io.latscope.DataQuality;
import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.MarkerPath;
import io.latscope.MarkerRecord;
import io.latscope.Point;
import io.latscope.bpf.NetNs;
import io.latscope.testbed.ApplicationAgreement;
import io.latscope.testbed.Cmd;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.NativeTraffic;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.latscope.Hop.END_TO_END;
import static io.latscope.Hop.TX_DEV;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Markers under queuing qdiscs on the sender's veth (issue 14, finding 3): the qdisc's delay
 * lands in tx.DEV, END_TO_END counts what every hop counts, and every marker the kernel let
 * the probes see is complete, while those it did not are named as such.
 *
 * <p>A qdisc that holds packets back releases them later from its watchdog timer: a softirq
 * on top of whatever thread is on the CPU, and the veth peer's receive runs in the same
 * softirq. The sandbox kernel of the development VMs runs no tracing program while a thread
 * of PID 1 is current (docs/design.md), so a packet released on top of one is not stamped
 * at tx.xmit, rx.dev, rx.tcp and rx.sock; the netfilter probe at rx.ip still runs and flags
 * its stamp, and the report counts the marker under "kernel skipped tracing". The kernel's
 * own event tracer (a tracefs instance, not BPF) is the independent witness: it records
 * which task each packet left the sender's veth, or entered the receiver's, on. Every
 * incomplete marker it saw received on a PID-1 thread must be named. One it saw only sent on
 * such a thread, and received later elsewhere (the backlog deferred), lacks just tx.xmit and
 * rx.dev, and no probe can tell why (no netfilter hook runs where the qdisc releases it):
 * it is hidden from the probes, but left unnamed. How many markers are hidden depends on
 * what PID 1 does meanwhile (0-42 of ~5 090 per run seen), so without the flag these tests
 * fail only in runs that had some (all three did in the run that checked it).
 *
 * <p>TCP builds GSO packets whatever the device's offloads (its segmentation then happens
 * after the qdisc, when the packet leaves), so tbf and htb see a 4 410-byte packet per
 * message unless the device takes one segment per packet ({@code gso_max_segs 1}). tbf
 * segments a GSO packet larger than its bucket itself when it enqueues it; htb sends it
 * whole. The tracer's packet lengths check which of the two each case is.
 *
 * <p>Traffic: 600 messages of 4 344 bytes (three segments), 40 ms apart, stride 1 KiB:
 * ~2 545 markers, ~24 s. The link is busy 18 of every 40 ms: at 20 ms apart (91 % busy) a
 * sender delayed by other work on the 2 vCPUs queued messages behind each other, TCP's
 * small-queue limit held them in the socket, and a quarter of the added median landed in
 * tx.SOCKET — real, but not what this test is about. Each qdisc runs at 2 Mbit/s (6 ms per packet) with a bucket of at
 * most one packet, refilled between messages: it lets a message's first segment pass and
 * holds the second back ~5.7 ms and the third ~11.8 ms, so the median marker (a second
 * segment's) waits ~5.7 ms. With 3 ms, under load, 7 % of the added median once landed in
 * other hops (END_TO_END's median moves by 50-250 us between two runs on this VM), too close
 * to the 10 % allowed.
 *
 * <p>The kernel skips a tracing probe for a second reason on any kernel: when the same
 * program is already running on the CPU, e.g. rx.tcp handling an ACK in process context
 * (release_sock) when a softirq delivers a data segment on top of it (bpftool shows
 * hundreds of recursion misses of rx_tcp per run). The probes count rx_tcp and rx_sock
 * while they run, and rx.ip flags a packet that arrives meanwhile, so such a marker,
 * missing only rx.tcp or rx.sock, is named too. The tracer cannot witness these; the test
 * checks that every named marker is either witnessed on PID 1 or has that signature.
 */
@KernelTest
class QdiscMarkersTest {
    private static final int SIZE = 4344;
    private static final int STRIDE = 1024;
    private static final int COUNT = 600;
    private static final int BASE_COUNT = 300;
    private static final Duration INTERVAL = Duration.ofMillis(40);
    /** An MTU-sized packet on the veth: 1 500 bytes of IP plus the Ethernet header. */
    private static final int ETHERNET_FRAME = 1514;

    @Test
    void tbfQueuingWholePacketsDelaysInTxDevAndNamesEveryMarkerItHidFromTheProbes() {
        // 2 Mbit/s: 6.1 ms per packet, a bucket of 6.4 ms: the second packet waits 5.7 ms, the third 11.8 ms
        run(new Case("qa", "10.74.21", 5241, true, net -> net.rootQdisc("qa", dev("qa"), "tbf", "rate", "2mbit",
                "burst", "1600", "latency", "500ms")));
    }

    @Test
    void htbDelaysInTxDevAndNamesEveryMarkerItHidFromTheProbes() {
        // 2 Mbit/s: 6.1 ms per packet, a bucket of 0.4 ms: the second packet waits 5.7 ms, the third 11.7 ms
        run(new Case("ha", "10.74.22", 5243, true, net -> {
            net.rootQdisc("ha", dev("ha"), "handle", "1:", "htb", "default", "10");
            net.exec("ha", "tc", "class", "add", "dev", dev("ha"), "parent", "1:", "classid", "1:10", "htb", "rate",
                    "2mbit", "ceil", "2mbit", "burst", "100", "cburst", "100");
        }));
    }

    @Test
    void tbfSegmentingGsoPacketsDelaysInTxDevAndNamesEveryMarkerItHidFromTheProbes() {
        // the configuration at half its rate: the 4 410-byte GSO packet exceeds the
        // 1 540-byte bucket, so tbf_enqueue segments it (skb_gso_segment) and queues three packets
        run(new Case("sa", "10.74.23", 5245, false, net -> net.rootQdisc("sa", dev("sa"), "tbf", "rate", "2000kbit",
                "burst", "1540", "latency", "500ms")));
    }

    private interface Setup {
        void apply(TestNetwork net);
    }

    /** {@code wholePackets}: one segment per packet from TCP (gso_max_segs 1), else GSO packets. */
    private record Case(String a, String subnet, int port, boolean wholePackets, Setup qdisc) {
        String b() {
            return a.charAt(0) + "b";
        }
    }

    private static String dev(String a) {
        return TestNetwork.vethName(a, a.charAt(0) + "b");
    }

    private static void run(Case c) {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs na = net.namespace(c.a());
            NetNs nb = net.namespace(c.b());
            net.veth(c.a(), c.subnet() + ".1/24", c.b(), c.subnet() + ".2/24");
            if (c.wholePackets()) {
                Cmd.run("ip", "-n", net.nsName(c.a()), "link", "set", "dev", dev(c.a()), "gso_max_segs", "1");
            }
            String addr = c.subnet() + ".2";
            Run base = measure(na, nb, addr, c.port(), BASE_COUNT, null);
            c.qdisc().apply(net);
            Run slow;
            try (KernelTrace trace = KernelTrace.start(dev(c.a()), TestNetwork.vethName(c.b(), c.a()))) {
                slow = measure(na, nb, addr, c.port() + 1, COUNT, trace);
            }
            LatencyReport r = slow.report();
            String why = "%s%nqdisc: %s%nwithout the qdisc:%n%s%nwith it:%n%s".formatted(slow.summary(),
                    net.exec(c.a(), "tc", "-s", "qdisc", "show", "dev", dev(c.a())).strip(), base.report(), r);

            // the case is what it claims: the qdisc got whole packets, or segmented GSO packets itself
            if (c.wholePackets()) {
                assertThat(slow.largestQueued()).as("largest packet queued; " + why).isLessThanOrEqualTo(ETHERNET_FRAME);
            } else {
                assertThat(slow.largestQueued()).as("largest packet queued; " + why).isGreaterThan(1540);
                assertThat(slow.largestSent()).as("largest packet sent; " + why).isLessThanOrEqualTo(ETHERNET_FRAME);
            }

            double added = r.hop(END_TO_END).percentileNanos(50) - base.report().hop(END_TO_END).percentileNanos(50);
            double moved = r.hop(TX_DEV).percentileNanos(50) - base.report().hop(TX_DEV).percentileNanos(50);
            DataQuality q = r.quality();
            System.out.printf("%s: tx.DEV took %.1f %% of the added median (%.0f of %.0f ns); %s; %s%n", c.a(),
                    100 * moved / added, moved, added, q, slow.summary());

            // (a) the median END_TO_END moved by the qdisc's delay, and tx.DEV took it
            why = "added median %.0f ns, tx.DEV's median moved %.0f ns; %s".formatted(added, moved, why);
            assertThat(added).as("added median; " + why).isGreaterThan(1_000_000);
            assertThat(moved / added).as("tx.DEV's share of the added median; " + why).isBetween(0.9, 1.1);

            // (c) END_TO_END counts the markers every hop counts, and every marker was seen (a
            // copy of a retransmitted one that arrives after its marker was read starts a new
            // one, which expires: up to one more per retransmitted marker)
            long bytes = (long) COUNT * SIZE;
            assertThat(q.markersSeen()).as("markers seen; " + why)
                    .isBetween(bytes / STRIDE, bytes / STRIDE + 1 + q.retransmitted());
            assertThat(r.hop(END_TO_END).count()).as("END_TO_END counts the complete markers; " + why)
                    .isBetween(q.markersComplete() - q.retransmitted(), q.markersComplete());
            ApplicationAgreement.assertEveryHopCountsWhatEndToEndCounts(r);

            // (b) the markers the kernel hid from the tracing probes are named: at least every
            // one whose receive the tracer saw on a thread of PID 1 (rx.ip runs there and can
            // tell), and none without such a witness or the recursion signature. Those only sent
            // on PID 1 and received elsewhere stay "missing tx.xmit+rx.dev": no probe that runs
            // where the qdisc releases them can tell (docs/design.md). Of the markers the
            // kernel let the probes see, at least 99.9 % are complete.
            long named = q.leftOut().getOrDefault("kernel skipped tracing", 0L);
            assertThat(named).as("markers named 'kernel skipped tracing' (received on PID 1: %d); %s",
                    slow.receivedOnPid1(), why).isGreaterThanOrEqualTo(slow.receivedOnPid1());
            assertThat(named).as("markers named 'kernel skipped tracing' (witnessed on PID 1: %d, missing only rx.tcp"
                    + " or rx.sock: %d); %s", slow.onPid1(), slow.recursionLike(), why)
                    .isLessThanOrEqualTo(slow.onPid1() + slow.recursionLike());
            long hidden = named + slow.onPid1() - slow.receivedOnPid1();
            assertThat((double) q.markersComplete() / (q.markersSeen() - hidden))
                    .as("complete share of the markers the kernel let the probes see (%d hidden); %s", hidden, why)
                    .isGreaterThanOrEqualTo(0.999);
        }
    }

    /**
     * Of the incomplete markers: {@code onPid1} those whose packet the tracer saw handled on a
     * PID-1 thread, {@code receivedOnPid1} of those, the ones received there (rx.ip too), and
     * {@code recursionLike} of the others, those missing rx.tcp or rx.sock or both, nothing else.
     */
    private record Run(LatencyReport report, int onPid1, int receivedOnPid1, int recursionLike, List<String> examples,
                       int largestQueued, int largestSent) {
        String summary() {
            return ("incomplete markers the tracer saw handled on top of PID 1: %d (received there: %d), others missing only"
                    + " rx.tcp/rx.sock: %d; packets queued up to %d B, sent up to %d B%s")
                    .formatted(onPid1, receivedOnPid1, recursionLike, largestQueued, largestSent,
                            examples.isEmpty() ? "" : "; incomplete: " + String.join("; ", examples));
        }
    }

    private static Run measure(NetNs a, NetNs b, String addr, int port, int count, KernelTrace trace) {
        List<MarkerPath> paths = Collections.synchronizedList(new ArrayList<>());
        LatencyReport r;
        try (LatScopeSession s = LatScope.builder().namespaces(a.spec(), b.spec()).ports(port).stride(STRIDE)
                .start(paths::add)) {
            NativeTraffic.messages(a, b, addr, port, SIZE, count, INTERVAL, Duration.ZERO);
            s.close();
            r = s.snapshot();
        }
        if (trace == null) {
            return new Run(r, 0, 0, 0, List.of(), 0, 0);
        }
        List<KernelTrace.Packet> packets = trace.packets();
        int onPid1 = 0;
        int receivedOnPid1 = 0;
        int recursionLike = 0;
        List<String> examples = new ArrayList<>();
        for (MarkerPath m : paths) {
            if (m.complete()) {
                continue;
            }
            int pid1 = handledOnPid1(m.record(), packets);
            onPid1 += pid1 > 0 ? 1 : 0;
            receivedOnPid1 += pid1 > 1 ? 1 : 0;
            Set<Point> missing = EnumSet.allOf(Point.class);
            m.record().stamps().forEach(st -> missing.remove(st.point()));
            if (pid1 == 0 && !missing.isEmpty() && EnumSet.of(Point.RX_TCP, Point.RX_SOCK).containsAll(missing)) {
                recursionLike++;
            }
            if (examples.size() < 6) {
                examples.add((pid1 > 1 ? "received on PID 1 " : pid1 > 0 ? "sent on PID 1 " : "") + describe(m.record()));
            }
        }
        Map<Long, Integer> bySeq = new HashMap<>();
        paths.forEach(m -> bySeq.merge(m.record().sequence(), 1, Integer::sum));
        paths.stream().filter(m -> bySeq.get(m.record().sequence()) > 1).limit(4)
                .forEach(m -> examples.add("seen twice " + (m.complete() ? "(complete) " : "") + describe(m.record())));
        int queued = packets.stream().filter(p -> p.kind() == KernelTrace.Kind.QUEUE).mapToInt(KernelTrace.Packet::length)
                .max().orElse(0);
        int sent = packets.stream().filter(p -> p.kind() == KernelTrace.Kind.XMIT).mapToInt(KernelTrace.Packet::length)
                .max().orElse(0);
        return new Run(r, onPid1, receivedOnPid1, recursionLike, examples, queued, sent);
    }

    /**
     * 2 when the marker was seen at rx.ip and its packet entered the receiver's stack
     * (netif_receive_skb, which the receive path up to TCP follows in the same softirq)
     * within 50 us before rx.ip on a thread of PID 1; 1 when it left the sender's veth
     * (unseen at tx.xmit) within 200 us before rx.ip on such a thread; else 0. (The tracer's
     * clock is CLOCK_MONOTONIC, as the probes', in microseconds.)
     */
    private static int handledOnPid1(MarkerRecord m, List<KernelTrace.Packet> packets) {
        long rxIp = m.stamp(Point.RX_IP).map(MarkerRecord.Stamp::nanos).orElse(-1L);
        if (rxIp < 0) {
            return 0;
        }
        KernelTrace.Packet out = null;
        KernelTrace.Packet in = null;
        for (KernelTrace.Packet p : packets) {
            if (p.nanos() > rxIp + 1_000) {
                break;
            }
            if (p.kind() == KernelTrace.Kind.RECEIVE) {
                in = p;
            } else if (p.kind() == KernelTrace.Kind.XMIT) {
                out = p;
            }
        }
        boolean leftOnPid1 = out != null && rxIp - out.nanos() < 200_000 && out.pid1() && m.stamp(Point.TX_XMIT).isEmpty();
        boolean enteredOnPid1 = in != null && rxIp - in.nanos() < 50_000 && in.pid1();
        return enteredOnPid1 ? 2 : leftOnPid1 ? 1 : 0;
    }

    private static String describe(MarkerRecord m) {
        StringBuilder sb = new StringBuilder("seq " + m.sequence() + ":");
        long t0 = m.stamps().isEmpty() ? 0 : m.stamps().getFirst().nanos();
        for (MarkerRecord.Stamp st : m.stamps()) {
            sb.append(' ').append(st.point().label()).append('+').append(st.nanos() - t0);
        }
        return sb.toString();
    }

    /**
     * The kernel's event tracer in a tracefs instance of its own (removed on close): packets
     * entering the sender's qdisc (net_dev_queue) and leaving its veth (net_dev_start_xmit),
     * and entering the receiver's stack (netif_receive_skb), each with its length and the
     * task it was handled on.
     */
    static final class KernelTrace implements AutoCloseable {
        private static final Path TRACEFS = Path.of("/sys/kernel/tracing");
        private static final AtomicInteger COUNTER = new AtomicInteger();
        private static final Pattern LINE = Pattern.compile("^\\s*(.*)-(\\d+)\\s+\\[\\d+]\\s+\\S+\\s+(\\d+)\\.(\\d+): "
                + "(net_dev_queue|net_dev_start_xmit|netif_receive_skb): .*? len=(\\d+)");
        private static final List<String> EVENTS = List.of("net_dev_queue", "net_dev_start_xmit", "netif_receive_skb");

        enum Kind { QUEUE, XMIT, RECEIVE }

        record Packet(Kind kind, long nanos, int length, boolean pid1) {
        }

        private final Path dir;
        private List<Packet> packets;

        private KernelTrace(Path dir) {
            this.dir = dir;
        }

        static KernelTrace start(String device, String peer) {
            if (!Files.isDirectory(TRACEFS.resolve("instances"))) {
                throw new AssertionError("tracefs is not mounted at " + TRACEFS + ": mount -t tracefs nodev " + TRACEFS);
            }
            Path dir = TRACEFS.resolve("instances").resolve(TestNetwork.PREFIX + "-qdisc" + COUNTER.incrementAndGet());
            try {
                Files.createDirectory(dir);
            } catch (IOException e) {
                throw new AssertionError("cannot create a tracefs instance at " + dir + ": " + e, e);
            }
            KernelTrace t = new KernelTrace(dir);
            try {
                write(dir.resolve("trace_clock"), "mono");
                write(dir.resolve("buffer_size_kb"), "16384");
                for (String ev : EVENTS) {
                    Path e = dir.resolve("events/net").resolve(ev);
                    write(e.resolve("filter"), "name == \"" + (ev.equals("netif_receive_skb") ? peer : device) + "\"");
                    write(e.resolve("enable"), "1");
                }
                write(dir.resolve("tracing_on"), "1");
                return t;
            } catch (IOException | RuntimeException e) {
                t.close();
                throw new AssertionError("cannot set up the tracefs instance " + dir + ": " + e, e);
            }
        }

        /** Stops tracing (at the first call) and returns the packets seen, in time order. */
        List<Packet> packets() {
            if (packets == null) {
                List<Packet> out = new ArrayList<>();
                try {
                    write(dir.resolve("tracing_on"), "0");
                    for (String l : Files.readAllLines(dir.resolve("trace"))) {
                        Matcher m = LINE.matcher(l);
                        if (m.find()) {
                            int tid = Integer.parseInt(m.group(2));
                            long ns = Long.parseLong(m.group(3)) * 1_000_000_000L + Long.parseLong(m.group(4)) * 1_000L;
                            Kind kind = Kind.values()[EVENTS.indexOf(m.group(5))];
                            out.add(new Packet(kind, ns, Integer.parseInt(m.group(6)),
                                    Files.exists(Path.of("/proc/1/task/" + tid))));
                        }
                    }
                } catch (IOException e) {
                    throw new AssertionError("reading " + dir + ": " + e, e);
                }
                packets = out;
            }
            return packets;
        }

        @Override
        public void close() {
            try {
                if (Files.exists(dir.resolve("tracing_on"))) {
                    write(dir.resolve("tracing_on"), "0");
                    for (String ev : EVENTS) {
                        write(dir.resolve("events/net").resolve(ev).resolve("enable"), "0");
                    }
                }
                Files.deleteIfExists(dir); // rmdir of a tracefs instance removes it
            } catch (IOException e) {
                throw new AssertionError("removing tracefs instance " + dir + ": " + e, e);
            }
        }

        private static void write(Path p, String s) throws IOException {
            Files.writeString(p, s + "\n");
        }
    }
}
