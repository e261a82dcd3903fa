package com.example;

import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.SessionSpec;
import io.latscope.junit.LatScopeTest;
import io.latscope.junit.LatencyBudget;
import io.latscope.junit.Session;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;

/** What a LatScope user writes: a service on loopback, and budgets on where its latency goes. */
@LatScopeTest
class CheckoutLatencyTest {
    static final int PORT = 47599;

    @Session
    static SessionSpec spec = LatScope.builder().ports(PORT).stride(1024).build();

    @Test
    @LatencyBudget(hop = "END_TO_END", percentile = 99, max = "100ms", minSamples = 500)
    @LatencyBudget(hop = "tx.TCP", percentile = 50, max = "5ms")
    void checkout(LatScopeSession session) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocket server = new ServerSocket(PORT, 1, lo)) {
            Thread reader = Thread.ofPlatform().start(() -> {
                try (Socket s = server.accept(); DataInputStream in = new DataInputStream(s.getInputStream())) {
                    in.readFully(new byte[1024 * 1000]);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Socket c = new Socket(lo, PORT); OutputStream out = c.getOutputStream()) {
                byte[] message = new byte[1024];
                for (int i = 0; i < 1000; i++) {
                    out.write(message);
                    Thread.sleep(0, 200_000);
                }
            }
            reader.join();
        }
        assertThat(session.isClosed()).isFalse();
    }
}
