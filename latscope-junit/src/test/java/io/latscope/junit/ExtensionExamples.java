package io.latscope.junit;

import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.SessionSpec;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.latscope.Layer.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test classes that {@link LatScopeExtensionTest} runs through JUnit's EngineTestKit; some
 * are meant to fail. Tagged so surefire never runs them on their own.
 */
final class ExtensionExamples {
    static final int PORT = 47401;

    private ExtensionExamples() {
    }

    /** A session per test, from a spec method that uses the network @BeforeEach made. */
    @Tag("testkit-only")
    @LatScopeTest
    static class PerTestSessions {
        static final List<LatScopeSession> SEEN = new CopyOnWriteArrayList<>();
        TestNetwork net;
        @Session
        LatScopeSession injected;

        @BeforeEach
        void network() {
            net = TwoHosts.create();
        }

        @AfterEach
        void closeNetwork() {
            net.close();
        }

        @Session
        SessionSpec spec() {
            return LatScope.builder().namespaces(net.ns("a").spec(), net.ns("b").spec()).ports(PORT).stride(1024).build();
        }

        @Test
        @LatencyBudget(hop = "END_TO_END", percentile = 99, max = "2s", minSamples = 250)
        @LatencyBudget(hop = "tx.DEV", percentile = 50, max = "100ms")
        void meetsItsBudgets(LatScopeSession session) {
            assertThat(session).isSameAs(injected);
            assertThat(session.isClosed()).isFalse();
            SEEN.add(session);
            TwoHosts.messages(net, PORT, 300);
        }

        @Test
        @LatencyBudget(hop = "tx.DEV", percentile = 50, max = "100ms")
        @LatencyBudget(hop = "END_TO_END", percentile = 50, max = "500ns") // no stack is this fast
        void missesABudget(LatScopeSession session) {
            SEEN.add(session);
            TwoHosts.messages(net, PORT, 300);
        }
    }

    /**
     * One session for the class, from a static spec. It watches every namespace, as the
     * tests make theirs later; so no IP layer, whose netfilter hooks attach per namespace
     * at start.
     */
    @Tag("testkit-only")
    @LatScopeTest
    @LatencyBudget(hop = "END_TO_END", percentile = 99, max = "2s", minSamples = 100)
    static class ClassSession {
        static final List<String> SESSION_IDS = new CopyOnWriteArrayList<>();
        @Session
        static final SessionSpec SPEC = LatScope.builder().allNamespaces().layers(SOCKET, TCP, DEV, VETH)
                .ports(PORT + 1).stride(1024).build();
        @Session
        static LatScopeSession session;

        @Test
        void first(LatScopeSession s) {
            run(s, 200);
        }

        @Test
        void second(LatScopeSession s) {
            run(s, 400);
        }

        private static void run(LatScopeSession s, int messages) {
            assertThat(s).isSameAs(session);
            SESSION_IDS.add(s.id());
            try (TestNetwork net = TwoHosts.create()) {
                TwoHosts.messages(net, PORT + 1, messages);
            }
        }
    }

    // ---- misuse --------------------------------------------------------------------------

    @Tag("testkit-only")
    @LatScopeTest
    static class UnknownHop {
        @Session
        SessionSpec spec = LatScope.builder().build();

        @Test
        @LatencyBudget(hop = "tx.FOO", max = "1ms")
        void test() {
        }
    }

    @Tag("testkit-only")
    @LatScopeTest
    static class BadDuration {
        @Session
        SessionSpec spec = LatScope.builder().build();

        @Test
        @LatencyBudget(hop = "tx.TCP", max = "fast")
        void test() {
        }
    }

    @Tag("testkit-only")
    @LatScopeTest
    static class WrongFieldType {
        @Session
        static String spec = "tx.TCP";

        @Test
        void test() {
        }
    }

    @Tag("testkit-only")
    @LatScopeTest
    static class TwoSpecs {
        @Session
        SessionSpec a = LatScope.builder().build();
        @Session
        SessionSpec b = LatScope.builder().build();

        @Test
        void test() {
        }
    }

    @Tag("testkit-only")
    @LatScopeTest
    static class NullSpec {
        @Session
        SessionSpec spec;

        @Test
        void test() {
        }
    }

    @Tag("testkit-only")
    @LatScopeTest
    static class BudgetWithoutSession {
        @Test
        @LatencyBudget(hop = "tx.TCP", max = "1ms")
        void test() {
        }
    }

    /** No @LatScopeTest: the budget still registers the extension, which refuses to ignore it. */
    @Tag("testkit-only")
    static class BudgetWithoutExtension {
        @Test
        @LatencyBudget(hop = "tx.TCP", max = "1ms")
        void test() {
        }
    }

    /**
     * Issue 14, finding 7: ten request/response exchanges at the default 256 KiB stride carry
     * no marker; the budget must fail saying so, and which stride would give enough samples.
     */
    @Tag("testkit-only")
    @LatScopeTest
    static class TooFewExchangesForTheStride {
        TestNetwork net;

        @BeforeEach
        void makeNetwork() {
            net = TwoHosts.create();
        }

        @AfterEach
        void closeNetwork() {
            net.close();
        }

        @Session
        SessionSpec spec() {
            return LatScope.builder().namespaces(net.ns("a").spec(), net.ns("b").spec()).ports(PORT + 5).build();
        }

        @Test
        @LatencyBudget(hop = "END_TO_END", percentile = 99, max = "1s")
        void tenExchanges() {
            io.latscope.testbed.TcpTraffic.requestResponse(net.ns("a"), net.ns("b"), TwoHosts.SERVER, PORT + 5, 512, 1024, 10);
        }
    }

    /** The session measures sockets and TCP only; a budget on the IP layer must not pass. */
    @Tag("testkit-only")
    @LatScopeTest
    static class HopNotMeasured {
        @Session
        SessionSpec spec = LatScope.builder().layers(SOCKET, TCP).ports(PORT + 2).build();

        @Test
        @LatencyBudget(hop = "tx.IP", max = "1s")
        void test() {
        }
    }

    // ---- privileges (LatScopeExtensionTest runs these in a JVM without capabilities too) ----

    @Tag("testkit-only")
    @RequiresBpf
    static class RequiresBpfByDefault {
        @Test
        void test() {
        }
    }

    @Tag("testkit-only")
    @RequiresBpf(disableIfMissing = true)
    static class RequiresBpfOrDisabled {
        @Test
        void test() {
        }
    }

    @Tag("testkit-only")
    @LatScopeTest
    static class SessionWithoutRequiresBpf {
        @Session
        static SessionSpec spec = LatScope.builder().build();

        @Test
        void test() {
        }
    }

    /** For LatencyReport-typed expectations in {@link LatScopeExtensionTest}. */
    static LatencyReport finalReport(LatScopeSession s) {
        assertThat(s.isClosed()).as("closed right after its test").isTrue();
        return s.snapshot();
    }
}
