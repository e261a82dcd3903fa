package io.latscope.sync;

import io.latscope.bpf.NetNs;
import io.latscope.bpf.XdpMode;

import java.nio.file.Path;
import java.util.List;

/**
 * A responder in a process of its own, as a host's agent would run it: started by
 * {@link SeparateProcessTest} with the host and the encoded session key, it prints
 * "ready", answers until its stdin closes, then prints its counters and detaches.
 *
 * <p>Arguments: name netnsPath ifname address port sessionKey peerName peerNetnsPath peerIfname peerAddress
 */
public final class ResponderProcess {
    private ResponderProcess() {
    }

    public static void main(String[] a) throws Exception {
        SyncHost self = new SyncHost(a[0], NetNs.ofPath(a[0], Path.of(a[1])), a[2], java.net.InetAddress.ofLiteral(a[3]));
        SyncHost peer = new SyncHost(a[6], NetNs.ofPath(a[6], Path.of(a[7])), a[8], java.net.InetAddress.ofLiteral(a[9]));
        try (XdpResponder r = XdpResponder.start(self, Integer.parseInt(a[4]), SessionKey.decode(a[5]), XdpMode.AUTO,
                XdpStamps.TWO_STEP, List.of(self, peer))) {
            System.out.println("ready " + r.mode());
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the controller closes our stdin
            }
            System.out.println("answered " + r.stats().answered());
        }
    }
}
