package io.latscope.bpf;

import io.latscope.testbed.KernelTest;
import io.latscope.error.ConfigurationException;
import io.latscope.error.VerifierException;
import io.latscope.testbed.TcpTraffic;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.latscope.bpf.TestPrograms.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@KernelTest
class BpfObjectTest {

    record Event(long ts, int len, int ifindex, int netns, int kind) {
    }

    @Test
    void tracepointProgramDeliversEventsOfRealTcpTrafficThroughTheRingBuffer() {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.71.0.1/24", "b", "10.71.0.2/24");
            int ifindex = Interfaces.index(a, TestNetwork.vethName("a", "b"));
            try (BpfObject obj = TestPrograms.testprogs()) {
                obj.setConstant("target_netns", a.inode());
                obj.setConstant("target_ifindex", ifindex);
                obj.load();
                List<Event> events = new ArrayList<>();
                try (RingBuffer ring = RingBuffer.open(obj.map("events"));
                     BpfLink link = obj.program("test_tp_btf").attach()) {
                    assertThat(link.description()).contains("tp_btf/net_dev_start_xmit");
                    TcpTraffic.FlowResult flow = TcpTraffic.messages(a, b, "10.71.0.2", 0, 1000, 200,
                            Duration.ZERO, Duration.ZERO);
                    assertThat(flow.oneWayNanos()).hasSize(200);
                    ring.drain((seg, off, len) -> events.add(new Event(
                            seg.get(ValueLayout.JAVA_LONG_UNALIGNED, off), seg.get(ValueLayout.JAVA_INT_UNALIGNED, off + 8),
                            seg.get(ValueLayout.JAVA_INT_UNALIGNED, off + 12), seg.get(ValueLayout.JAVA_INT_UNALIGNED, off + 16),
                            seg.get(ValueLayout.JAVA_INT_UNALIGNED, off + 20))));
                }
                long counted = obj.map("counters").typed(MapCodec.INT, MapCodec.LONG).sum(K_TP_BTF);
                // SYN, data segments, FIN, ACKs: at least a packet per few messages, all from veth a
                assertThat(events.size()).isGreaterThan(20).isEqualTo((int) counted);
                assertThat(events).allSatisfy(e -> {
                    assertThat(e.netns()).isEqualTo((int) a.inode());
                    assertThat(e.ifindex()).isEqualTo(ifindex);
                    assertThat(e.kind()).isEqualTo(K_TP_BTF);
                });
                assertThat(events.stream().mapToLong(Event::len).sum()).isGreaterThanOrEqualTo(200 * 1000);
                assertThat(events).isSortedAccordingTo((x, y) -> Long.compare(x.ts(), y.ts()));
            }
        }
    }

    @Test
    void rawAndClassicTracepointsCountRealPackets() {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.71.1.1/24", "b", "10.71.1.2/24");
            try (BpfObject obj = TestPrograms.testprogs()) {
                obj.setConstant("target_netns", a.inode());
                obj.load();
                try (BpfLink raw = obj.program("test_raw_tp").attach();
                     BpfLink classic = obj.program("test_tracepoint").attachTracepoint("net", "net_dev_xmit")) {
                    assertThat(raw.description()).startsWith("raw_tp/net_dev_queue");
                    TcpTraffic.messages(a, b, "10.71.1.2", 0, 100, 50, Duration.ZERO, Duration.ZERO);
                }
                var counters = obj.map("counters").typed(MapCodec.INT, MapCodec.LONG);
                assertThat(counters.sum(K_RAW_TP)).isGreaterThan(10);
                assertThat(counters.sum(K_TRACEPOINT)).isGreaterThan(10);
            }
        }
    }

    @Test
    void xdpCountsRealPacketsOnAVethInsideANamespaceAndDetachesOnClose() {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            // no IPv6: router solicitations and MLD reports sent between the XDP attach and the
            // tracepoint attach (or their detaches) were counted on one side only
            for (String ns : List.of("a", "b")) {
                net.exec(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
            }
            net.veth("a", "10.71.2.1/24", "b", "10.71.2.2/24");
            String dev = TestNetwork.vethName("b", "a");
            try (BpfObject obj = TestPrograms.testprogs()) {
                // the same packets, counted where veth a sends them
                obj.setConstant("target_netns", a.inode());
                obj.load();
                try (BpfLink xdp = obj.program("test_xdp").attachXdp(b, dev, XdpMode.NATIVE);
                     BpfLink sent = obj.program("test_tp_btf").attach()) {
                    assertThat(xdp.description()).contains(dev).contains("NATIVE");
                    assertThat(Interfaces.attachedXdpMode(b, dev)).isEqualTo(XdpMode.NATIVE);
                    TcpTraffic.messages(a, b, "10.71.2.2", 0, 100, 50, Duration.ZERO, Duration.ZERO);
                }
                assertThat(Interfaces.attachedXdpMode(b, dev)).isNull();
                assertThat(net.attachedBpf()).isEmpty();
                var counters = obj.map("counters").typed(MapCodec.INT, MapCodec.LONG);
                assertThat(counters.sum(K_XDP)).isGreaterThan(10).isEqualTo(counters.sum(K_TP_BTF));
            }
        }
    }

    @Test
    void tcEgressCountsRealPacketsAndLeavesNoFilterOrQdisc() {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            // nothing but the test's traffic: IPv6 would send router solicitations and MLD
            // reports on its own, and one sent between the two attaches is counted by one
            // program only (CI saw tc 48 against 47)
            for (String ns : List.of("a", "b")) {
                net.exec(ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
            }
            net.veth("a", "10.71.3.1/24", "b", "10.71.3.2/24");
            String dev = TestNetwork.vethName("a", "b");
            try (BpfObject obj = TestPrograms.testprogs()) {
                obj.setConstant("target_netns", a.inode());
                obj.load();
                try (BpfLink tc = obj.program("test_tc").attachTc(a, dev, TcDirection.EGRESS);
                     BpfLink sent = obj.program("test_tp_btf").attach()) {
                    assertThat(net.attachedBpf()).anyMatch(s -> s.contains("egress"));
                    TcpTraffic.messages(a, b, "10.71.3.2", 0, 100, 50, Duration.ZERO, Duration.ZERO);
                    // the connection's last packets may still be on their way: both programs
                    // count the same packets only once nothing moves any more
                    awaitQuiet(obj.map("counters").typed(MapCodec.INT, MapCodec.LONG), K_TP_BTF);
                    tc.close();
                    assertThat(tc.isClosed()).isTrue();
                }
                assertThat(net.attachedBpf()).isEmpty();
                var counters = obj.map("counters").typed(MapCodec.INT, MapCodec.LONG);
                assertThat(counters.sum(K_TC)).isGreaterThan(10).isEqualTo(counters.sum(K_TP_BTF));
            }
        }
    }

    @Test
    void anIteratorWalksTheSocketsOfTheNamespaceItRunsIn() throws Exception {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.71.4.1/24", "b", "10.71.4.2/24");
            try (BpfObject obj = TestPrograms.testprogs();
                 java.net.ServerSocket unused = a.run(() -> new java.net.ServerSocket(5399, 1,
                         java.net.InetAddress.getByName("10.71.4.1")))) {
                obj.load();
                BpfProgram iter = obj.program("test_iter_tcp");
                assertThat(ports(iter.runIterator(a))).contains(5399);
                assertThat(ports(iter.runIterator(b))).doesNotContain(5399);
            }
        }
    }

    private static List<Integer> ports(byte[] out) {
        java.nio.IntBuffer b = java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.nativeOrder()).asIntBuffer();
        List<Integer> r = new ArrayList<>();
        while (b.hasRemaining()) {
            r.add(b.get());
        }
        return r;
    }

    @Test
    void constantsAreSetBeforeLoadAndSeenByThePrograms() {
        try (TestNetwork net = TestNetwork.create()) {
            NetNs a = net.namespace("a");
            NetNs b = net.namespace("b");
            net.veth("a", "10.71.4.1/24", "b", "10.71.4.2/24");
            try (BpfObject obj = TestPrograms.testprogs()) {
                obj.setConstant("magic", 0x1234_5678_9abcL);
                obj.load();
                assertThatThrownBy(() -> obj.setConstant("magic", 1)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("already loaded");
                try (BpfLink l = obj.program("test_magic").attach()) {
                    TcpTraffic.messages(a, b, "10.71.4.2", 0, 100, 5, Duration.ZERO, Duration.ZERO);
                }
                assertThat(obj.map("kv").typed(MapCodec.INT, MapCodec.LONG).get(K_MAGIC)).isEqualTo(0x1234_5678_9abcL);
            }
        }
    }

    @Test
    void typedMapLookupUpdateDeleteAndIterate() {
        try (BpfObject obj = TestPrograms.testprogs().load()) {
            var kv = obj.map("kv").typed(MapCodec.INT, MapCodec.LONG);
            for (int i = 0; i < 100; i++) {
                kv.put(i, i * 10L);
            }
            assertThat(kv.get(42)).isEqualTo(420L);
            assertThat(kv.keys()).hasSize(100).containsAll(List.of(0, 1, 99));
            assertThat(kv.remove(42)).isTrue();
            assertThat(kv.remove(42)).isFalse();
            assertThat(kv.get(42)).isNull();
            assertThat(kv.entries()).hasSize(99).containsEntry(7, 70L);
            var counters = obj.map("counters").typed(MapCodec.INT, MapCodec.LONG);
            counters.put(3, 5L);
            assertThat(counters.perCpu(3)).hasSize(BpfMap.Cpus.POSSIBLE).containsOnly(5L);
            assertThat(counters.sum(3)).isEqualTo(5L * BpfMap.Cpus.POSSIBLE);
            assertThatThrownBy(() -> obj.map("kv").typed(MapCodec.LONG, MapCodec.LONG))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key/value sizes 4/8");
        }
    }

    @Test
    void verifierRejectionGivesAShortMessageAndTheFullLog() {
        try (BpfObject obj = TestPrograms.testprogs()) {
            obj.program("test_rejected").setAutoload(true);
            assertThatThrownBy(obj::load)
                    .isInstanceOfSatisfying(VerifierException.class, e -> {
                        assertThat(e.program()).isEqualTo("test_rejected");
                        assertThat(e.getMessage()).doesNotContain("\n").hasSizeLessThan(300)
                                .contains("test_rejected").contains("EACCES");
                        assertThat(e.log().lines().count()).isGreaterThan(5);
                        assertThat(e.log()).contains("invalid access to map value");
                    });
        }
    }

    @Test
    void unknownNamesAndDevicesGiveClearErrors() {
        try (TestNetwork net = TestNetwork.create(); BpfObject obj = TestPrograms.testprogs()) {
            NetNs a = net.namespace("a");
            assertThatThrownBy(() -> obj.program("nope")).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("no program 'nope'").hasMessageContaining("test_tp_btf");
            assertThatThrownBy(() -> obj.map("nope")).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("no map 'nope'");
            assertThatThrownBy(() -> obj.setConstant("nope", 1)).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("no const volatile global 'nope'");
            obj.load();
            assertThatThrownBy(() -> obj.program("test_xdp").attachXdp(a, "eth9", XdpMode.AUTO))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("interface 'eth9' does not exist in network namespace " + a.name());
            assertThatThrownBy(() -> NetNs.named("no-such-ns-here")).isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("ip netns add");
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseFailsClearly() {
        BpfObject obj = TestPrograms.testprogs().load();
        BpfLink l = obj.program("test_magic").attach();
        l.close();
        l.close();
        obj.close();
        obj.close();
        assertThatThrownBy(() -> obj.program("test_magic")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    /** Waits until a counter has not moved for 200 ms (at most 3 s). */
    private static void awaitQuiet(BpfMap.Typed<Integer, Long> counters, int key) {
        long deadline = System.nanoTime() + 3_000_000_000L;
        long last = counters.sum(key);
        long since = System.nanoTime();
        while (System.nanoTime() < deadline && System.nanoTime() - since < 200_000_000L) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = counters.sum(key);
            if (now != last) {
                last = now;
                since = System.nanoTime();
            }
        }
    }

    /**
     * The verifier gives up (EAGAIN) whenever a signal is pending for the loading thread, and
     * libbpf tries five times: a thread signalled without pause (a profiler at a sub-millisecond
     * interval) loaded nothing, each program then reported as "rejected by the verifier", until
     * the load blocked the thread's asynchronous signals. Here another thread sends this one
     * SIGUSR2 (whose JVM handler ignores a signal it did not ask for) as fast as it can; the
     * load succeeds, and the thread's signal mask is what it was before.
     */
    @Test
    void programsLoadWhileTheirThreadIsSignalledWithoutPause() throws Throwable {
        java.lang.foreign.Linker l = java.lang.foreign.Linker.nativeLinker();
        java.lang.invoke.MethodHandle self = l.downcallHandle(l.defaultLookup().findOrThrow("pthread_self"),
                java.lang.foreign.FunctionDescriptor.of(ValueLayout.JAVA_LONG));
        java.lang.invoke.MethodHandle kill = l.downcallHandle(l.defaultLookup().findOrThrow("pthread_kill"),
                java.lang.foreign.FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        long me = (long) self.invokeExact();
        int sigusr2 = 12;
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        String maskBefore = signalMask();
        Thread storm = Thread.ofPlatform().name("signal-storm").start(() -> {
            try {
                while (!stop.get()) {
                    if ((int) kill.invokeExact(me, sigusr2) == 0) {
                        sent.incrementAndGet();
                    }
                }
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        });
        long during;
        try (BpfObject obj = TestPrograms.testprogs()) {
            obj.program("test_slow_verify").setAutoload(true); // milliseconds in the verifier
            while (sent.get() < 1000) {
                Thread.onSpinWait();
            }
            long before = sent.get();
            obj.load();
            during = sent.get() - before;
            assertThat(obj.program("test_slow_verify").fd()).isPositive();
        } finally {
            stop.set(true);
            storm.join();
        }
        assertThat(during).as("signals sent to the loading thread during the load").isGreaterThan(100);
        assertThat(signalMask()).as("the thread's blocked signals after the load").isEqualTo(maskBefore);
    }

    /**
     * libbpf is silent until its words are needed (the upcall that hears it costs a fresh JVM
     * 44-73 ms): a load and an attach that succeed leave it silent; a load that fails while it
     * is silent is made again on a copy of the object configured the same way (here: which
     * programs load), so the error still names the program, its errno and the verifier's log.
     */
    @Test
    void aLoadThatFailsWhileLibbpfIsSilentStillSaysWhy() {
        LibbpfLog.silence();
        try (BpfObject obj = TestPrograms.testprogs()) {
            obj.load();
            try (BpfLink link = obj.program("test_raw_tp").attach()) {
                assertThat(link.description()).contains("raw_tp/net_dev_queue");
            }
        }
        assertThat(LibbpfLog.active()).as("libbpf heard after a load and an attach that succeeded").isFalse();
        try (BpfObject obj = TestPrograms.testprogs()) {
            obj.program("test_rejected").setAutoload(true);
            assertThatThrownBy(obj::load)
                    .isInstanceOfSatisfying(VerifierException.class, e -> {
                        assertThat(e.program()).isEqualTo("test_rejected");
                        assertThat(e.getMessage()).contains("EACCES");
                        assertThat(e.log()).contains("invalid access to map value");
                    });
        }
        assertThat(LibbpfLog.active()).as("libbpf heard once a failure needed its words").isTrue();
    }

    /** An attach that fails while libbpf is silent is made again to hear it: its error carries libbpf's words. */
    @Test
    void anAttachThatFailsWhileLibbpfIsSilentStillSaysWhy() {
        try (BpfObject obj = TestPrograms.testprogs()) {
            obj.load();
            LibbpfLog.silence();
            assertThatThrownBy(() -> obj.program("test_raw_tp").attachRawTracepoint("latscope_no_such_tracepoint"))
                    .hasMessageContaining("raw_tp/latscope_no_such_tracepoint")
                    .hasMessageContaining("libbpf: ")
                    .hasMessageContaining("failed to attach");
        } finally {
            LibbpfLog.silence();
        }
    }

    /** SigBlk of this thread, from /proc/thread-self/status. */
    private static String signalMask() throws java.io.IOException {
        return java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/thread-self/status")).stream()
                .filter(x -> x.startsWith("SigBlk:")).findFirst().orElseThrow();
    }
}
