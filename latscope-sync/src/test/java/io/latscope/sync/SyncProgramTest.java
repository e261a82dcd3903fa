package io.latscope.sync;

import io.latscope.bpf.BpfObject;
import io.latscope.bpf.MapCodec;
import io.latscope.bpf.RingBuffer;
import io.latscope.bpf.XdpTestRun;
import io.latscope.bpf.XdpTestRun.Result;
import io.latscope.testbed.KernelTest;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** sync.bpf.c on frames given to it with BPF_PROG_RUN: exact expectations, no network. */
@KernelTest
class SyncProgramTest {
    private static final int PORT = 19733;
    private static final byte[] MAC_I = {2, 0, 0, 0, 0, 1};
    private static final byte[] MAC_R = {2, 0, 0, 0, 0, 2};
    private static final InetAddress V4_I = InetAddress.ofLiteral("10.9.0.1"), V4_R = InetAddress.ofLiteral("10.9.0.2");
    private static final InetAddress V6_I = InetAddress.ofLiteral("fd00:9::1"), V6_R = InetAddress.ofLiteral("fd00:9::2");

    private static BpfObject load(SessionKey key, long initiatorSession, boolean redirect) {
        BpfObject o = BpfObject.openResource(XdpEndpoint.class, "sync.bpf.o", "sync");
        try {
            o.setConstant("sync_port", PORT);
            o.setConstant("session_id", initiatorSession);
            o.setConstant("authenticate", key.authenticated() ? 1 : 0);
            o.setConstant("key0", key.k0());
            o.setConstant("key1", key.k1());
            o.setConstant("reply_by_redirect", redirect ? 1 : 0);
            return o.load();
        } catch (RuntimeException e) {
            o.close();
            throw e;
        }
    }

    private static long counter(BpfObject o, int c) {
        return o.map("counters").typed(MapCodec.INT, MapCodec.LONG).sum(c);
    }

    @Test
    void answersARequestIPv4() {
        answersARequest(V4_I, V4_R);
    }

    @Test
    void answersARequestIPv6() {
        answersARequest(V6_I, V6_R);
    }

    private void answersARequest(InetAddress i, InetAddress r) {
        SessionKey key = SessionKey.random();
        try (BpfObject o = load(key, 0, false)) {
            byte[] req = ProbeCodec.requestFrame(MAC_R, MAC_I, i, r, PORT, key, 77);
            long before = System.nanoTime();
            Result res = XdpTestRun.run(o.program("sync_xdp"), req, 0);
            long after = System.nanoTime();
            assertThat(res.verdict()).isEqualTo(Result.TX);
            byte[] out = res.frame();
            assertThat(out).hasSize(req.length);
            assertThat(Arrays.copyOfRange(out, 0, 6)).isEqualTo(MAC_I);
            assertThat(Arrays.copyOfRange(out, 6, 12)).isEqualTo(MAC_R);
            int p = ProbeCodec.probeOffset(r);
            int addrLen = r.getAddress().length;
            int saddr = i.getAddress().length == 4 ? 14 + 12 : 14 + 8;
            assertThat(Arrays.copyOfRange(out, saddr, saddr + addrLen)).isEqualTo(r.getAddress());
            assertThat(Arrays.copyOfRange(out, saddr + addrLen, saddr + 2 * addrLen)).isEqualTo(i.getAddress());
            ByteBuffer b = ByteBuffer.wrap(out);
            ProbeCodec.Probe reply = ProbeCodec.read(b, p, out.length - p);
            assertThat(reply.type()).isEqualTo(ProbeCodec.REPLY);
            assertThat(reply.seq()).isEqualTo(77);
            assertThat(reply.session()).isEqualTo(key.sessionId());
            assertThat(reply.t2()).isBetween(before, after);
            assertThat(reply.t3()).isBetween(reply.t2(), after);
            assertThat(reply.prevT3()).isZero();
            // the BPF MAC is the Java one, and the UDP checksum still verifies
            assertThat(ProbeCodec.macOk(b, p, key)).isTrue();
            long pseudo = ProbeCodecTest.ones(out, saddr, 2 * addrLen, 17 + ProbeCodecTest.UDP_LEN);
            assertThat(ProbeCodecTest.ones(out, p - 8, ProbeCodecTest.UDP_LEN, pseudo)).isEqualTo(0xffff);
            assertThat(counter(o, XdpEndpoint.C_ANSWERED)).isEqualTo(1);
        }
    }

    @Test
    void answersByRedirectForTwoStep() {
        SessionKey key = SessionKey.random();
        try (BpfObject o = load(key, 0, true)) {
            byte[] req = ProbeCodec.requestFrame(MAC_R, MAC_I, V4_I, V4_R, PORT, key, 1);
            assertThat(XdpTestRun.run(o.program("sync_xdp"), req, 1).verdict()).isEqualTo(Result.REDIRECT);
        }
    }

    @Test
    void aProbeWithAWrongKeyIsPassedOnUntouchedAndCounted() {
        SessionKey key = SessionKey.random();
        SessionKey other = SessionKey.random();
        try (BpfObject o = load(key, 0, false)) {
            byte[] req = ProbeCodec.requestFrame(MAC_R, MAC_I, V4_I, V4_R, PORT, other, 1);
            for (int n = 0; n < 3; n++) {
                Result res = XdpTestRun.run(o.program("sync_xdp"), req, 0);
                assertThat(res.verdict()).isEqualTo(Result.PASS);
                assertThat(res.frame()).isEqualTo(req);
            }
            assertThat(counter(o, XdpEndpoint.C_WRONG_KEY)).isEqualTo(3);
            assertThat(counter(o, XdpEndpoint.C_ANSWERED)).isZero();
        }
    }

    @Test
    void otherTrafficIsPassedAndGarbageOnThePortCounted() {
        SessionKey key = SessionKey.random();
        try (BpfObject o = load(key, 0, false)) {
            byte[] otherPort = ProbeCodec.requestFrame(MAC_R, MAC_I, V4_I, V4_R, PORT + 1, key, 1);
            assertThat(XdpTestRun.run(o.program("sync_xdp"), otherPort, 0).verdict()).isEqualTo(Result.PASS);
            byte[] garbage = ProbeCodec.requestFrame(MAC_R, MAC_I, V4_I, V4_R, PORT, key, 1);
            garbage[ProbeCodec.probeOffset(V4_R)] ^= 0x55; // magic
            assertThat(XdpTestRun.run(o.program("sync_xdp"), garbage, 0).verdict()).isEqualTo(Result.PASS);
            byte[] runt = Arrays.copyOf(garbage, 50);
            assertThat(XdpTestRun.run(o.program("sync_xdp"), runt, 0).verdict()).isEqualTo(Result.PASS);
            byte[] arp = Arrays.copyOf(garbage, 60);
            arp[12] = 0x08;
            arp[13] = 0x06;
            assertThat(XdpTestRun.run(o.program("sync_xdp"), arp, 0).verdict()).isEqualTo(Result.PASS);
            assertThat(counter(o, XdpEndpoint.C_MALFORMED)).isEqualTo(1);
            assertThat(counter(o, XdpEndpoint.C_ANSWERED)).isZero();
        }
    }

    @Test
    void theInitiatorRecordsRepliesOfItsSessionOnlyAndStampsInjectedProbes() {
        SessionKey key = SessionKey.random();
        SessionKey other = SessionKey.random();
        try (BpfObject responder = load(key, 0, false);
             BpfObject otherResponder = load(other, 0, false);
             BpfObject initiator = load(key, key.sessionId(), false);
             RingBuffer ring = RingBuffer.open(initiator.map("samples"))) {
            byte[] req = ProbeCodec.requestFrame(MAC_R, MAC_I, V4_I, V4_R, PORT, key, 5);
            long before = System.nanoTime();
            Result injected = XdpTestRun.run(initiator.program("sync_inject"), req, 0);
            assertThat(injected.verdict()).isEqualTo(Result.TX);
            ByteBuffer ib = ByteBuffer.wrap(injected.frame());
            int p = ProbeCodec.probeOffset(V4_R);
            assertThat(ProbeCodec.read(ib, p, ProbeCodec.PROBE_SIZE).t1()).isBetween(before, System.nanoTime());
            assertThat(ProbeCodec.macOk(ib, p, key)).isTrue();

            byte[] reply = XdpTestRun.run(responder.program("sync_xdp"), injected.frame(), 0).frame();
            long beforeReply = System.nanoTime();
            assertThat(XdpTestRun.run(initiator.program("sync_xdp"), reply, 0).verdict()).isEqualTo(Result.DROP);

            byte[] foreign = XdpTestRun.run(otherResponder.program("sync_xdp"),
                    ProbeCodec.requestFrame(MAC_R, MAC_I, V4_I, V4_R, PORT, other, 6), 0).frame();
            assertThat(XdpTestRun.run(initiator.program("sync_xdp"), foreign, 0).verdict()).isEqualTo(Result.PASS);

            List<ProbeCodec.Reply> got = new ArrayList<>();
            ring.drain((seg, off, len) -> got.add(ProbeCodec.readSample(seg, off)));
            assertThat(got).hasSize(1);
            ProbeCodec.Reply r = got.getFirst();
            ProbeCodec.Probe sent = ProbeCodec.read(ByteBuffer.wrap(reply), p, ProbeCodec.PROBE_SIZE);
            assertThat(r.seq()).isEqualTo(5);
            assertThat(r.session()).isEqualTo(key.sessionId());
            assertThat(r.t1Prog()).isEqualTo(sent.t1());
            assertThat(r.t2()).isEqualTo(sent.t2());
            assertThat(r.t3Prog()).isEqualTo(sent.t3());
            assertThat(r.t4()).isBetween(beforeReply, System.nanoTime());
            assertThat(r.t1Xmit()).isZero(); // nothing was handed to a device
            assertThat(r.peerMac()).isEqualTo(MAC_R);
            assertThat(r.ownMac()).isEqualTo(MAC_I);
            assertThat(counter(initiator, XdpEndpoint.C_INJECTED)).isEqualTo(1);
            assertThat(counter(initiator, XdpEndpoint.C_RECORDED)).isEqualTo(1);
            assertThat(counter(initiator, XdpEndpoint.C_OTHER_SESSION)).isEqualTo(1);
        }
    }
}
