package io.latscope.testbed;

import io.latscope.MarkerPath;
import io.latscope.MarkerRecord;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * END_TO_END against the application's own one-way latency (its CLOCK_MONOTONIC stamps;
 * every namespace shares the kernel's clock): within max(5 %, 5 us) at p50 and p99, plus
 * the application's own way into and out of the kernel, measured message by message.
 *
 * <p>END_TO_END runs from the write's entry (with syscall boundaries on: tcp_sendmsg's entry
 * through a trampoline, the write's first copy pass or its sleep on the socket's lock before
 * it, or the system call's entry from sys_enter; off, its copy into the socket) to the read's
 * {@code sock_recv_length}, after
 * which its system call only returns. The application also pays the crossing from its stamp into
 * the kernel and from there back to its stamp, which no kernel probe sees: ~0.2 us on bare
 * metal, but 4-10 us per message on the paravirtualised 2-vCPU VM these tests run on (a
 * null system call takes 1 us there), and now and then ~50 us on the way back after a
 * wake-up (5-15 % of reads with three agents on the two vCPUs). So markers are paired
 * with their messages (one marker per message, in send order) and for each message the
 * crossing is measured: its first kernel stamp minus its send stamp, and its receive stamp
 * minus its last kernel stamp. The crossings must be plausible: never negative beyond
 * clock-estimate error (a stamp outside the application's own window is a bug), median at
 * most 20 us (up to 10 us seen under load; an END_TO_END ending before the reader woke up
 * would add the wake-up, 50-100 us here), at most a quarter of returns over 20 us. p50
 * and p99 are compared over the messages with an ordinary entry and return: each at most
 * twice its median (at least 5 us, at most 20 us); at least half of all messages must have
 * an ordinary return, and at least a third both. A slower return is one message's delay
 * after the kernel is done with it; 10-20 % of them shift the application's whole
 * distribution, and its p99 is made of them: with every return up to 20 us admitted, app
 * and END_TO_END p99 once differed by 13 us on a quiet machine while the median return was
 * 2.8 us. A slower entry is the same on the way in: the
 * writer stamped its message and was preempted before its system call (entries up to 60 us
 * seen in a full run; with only returns filtered, the app's p99 was 7.7 us above END_TO_END's
 * against 7.1 allowed, in one of about ten full runs on 2026-12-06). The median crossing is
 * allowed on top of the tolerance.
 */
public final class ApplicationAgreement {
    static final long SLOW_RETURN_NANOS = 20_000;
    static final long MIN_ORDINARY_RETURN_NANOS = 5_000;
    static final long MAX_MEDIAN_CROSSING_NANOS = 20_000;
    /** Slack for stamps of one machine's clock (local sessions); across hosts, the estimates' own bound. */
    public static final long CLOCK_ERROR_NANOS = 2_000;

    private ApplicationAgreement() {
    }

    /** {@code paths}: the flow's finished markers, one per message of {@code app}; stamps of one clock. */
    public static void assertEndToEndMatches(List<MarkerPath> paths, TcpTraffic.FlowResult app) {
        assertEndToEndMatches(paths, app, CLOCK_ERROR_NANOS);
    }

    /**
     * As above, with stamps mapped from other hosts' clocks by estimates whose error bound is
     * {@code clockErrorNanos}: a stamp may lie that far outside the application's window.
     */
    public static void assertEndToEndMatches(List<MarkerPath> paths, TcpTraffic.FlowResult app, long clockErrorNanos) {
        assertEndToEndMatches(paths, app, clockErrorNanos, Crossings.HOST);
    }

    /**
     * How slow the application's crossings into and out of the kernel may be: a return
     * slower than {@code slowReturnNanos} is a wake-up delay after the kernel was done (at
     * most a quarter of messages may have one), and the median crossing is at most
     * {@code maxMedianCrossingNanos}.
     *
     * @param slowReturnNanos        a return slower than this is a scheduling delay
     * @param maxMedianCrossingNanos bound of the median crossing (into plus out of the kernel)
     * @param toleranceDivisor       app and END_TO_END percentiles agree within 1/this of the app's
     *                               (at least 5 us) plus the median crossing: 20 (5 %) on the host
     */
    public record Crossings(long slowReturnNanos, long maxMedianCrossingNanos, int toleranceDivisor) {
        /** The development VMs (paravirtualised, 2 vCPUs): the figures in this class's comment. */
        public static final Crossings HOST = new Crossings(SLOW_RETURN_NANOS, MAX_MEDIAN_CROSSING_NANOS, 20);
        /**
         * A guest under qemu's software emulation (GuestVm): every instruction is emulated and
         * a reader's wake-up after the kernel is done takes tens of microseconds (returns on
         * 6.1 under TCG: p50 4.1 us, p90 48.5 us, 64 % within 20 us), so a slow return is one
         * over 100 us; the median crossing was 7 us in two runs and 29 us in a third (returns
         * p50 24 us, before the guest's clock source was pinned to the TSC): bound 50 us. The
         * emulator stalls a thread now and then between the application's stamp and its
         * system call (entries up to 2.0 ms seen), which shifts the application's p99 by more
         * than 5 % (82 us of 1.05 ms in one run in the full suite): 10 %. Since 2026-12-06
         * END_TO_END starts at tcp_sendmsg's entry where trampolines load (the guest) and ends
         * at sock_recv_length rather than the read's return, so both crossings hold more of the
         * emulated system call: on 6.1 under TCG, medians over 50 us in the last four of eight
         * runs of that day (into the kernel p50 28-30 us, back 24-27 us), under 50 us in the
         * first four: bound 80 us.
         */
        public static final Crossings EMULATED = new Crossings(100_000, 80_000, 10);
    }

    /**
     * As above, with the crossings of a slower machine.
     *
     * @return the crossings seen, for the log
     */
    public static String assertEndToEndMatches(List<MarkerPath> paths, TcpTraffic.FlowResult app, long clockErrorNanos,
                                               Crossings bounds) {
        long[] oneWay = app.oneWayNanos();
        long[] sent = app.sentAtNanos();
        assertThat(paths).as("one marker per message").hasSize(oneWay.length);
        List<MarkerPath> bySend = new ArrayList<>(paths);
        bySend.sort(Comparator.comparingLong(m -> m.record().stamps().getFirst().nanos()));
        List<Long> entries = new ArrayList<>();
        List<Long> returns = new ArrayList<>();
        List<Long> crossings = new ArrayList<>();
        for (int i = 0; i < bySend.size(); i++) {
            MarkerPath m = bySend.get(i);
            long entry = m.record().stamps().getFirst().nanos() - sent[i];
            long back = sent[i] + oneWay[i] - m.record().stamps().getLast().nanos();
            entries.add(entry);
            returns.add(back);
            crossings.add(entry + back);
        }
        // an ordinary return: near the typical one (a return twice as slow is a scheduling
        // delay after the kernel was done, and at p99 the application's tail is made of them)
        long ordinaryReturn = ordinary(returns, bounds);
        // an ordinary entry, likewise: a slower one is the writer preempted between its stamp
        // and its system call
        long ordinaryEntry = ordinary(entries, bounds);
        List<Long> appOrdinary = new ArrayList<>();
        List<Long> oursOrdinary = new ArrayList<>();
        for (int i = 0; i < bySend.size(); i++) {
            if (returns.get(i) <= ordinaryReturn && entries.get(i) <= ordinaryEntry) {
                appOrdinary.add(oneWay[i]);
                oursOrdinary.add(bySend.get(i).endToEndNanos());
            }
        }
        String seen = "into the kernel (ns): " + spread(entries) + "; back to user space: " + spread(returns);
        assertThat(percentile(entries, 0)).as("a write entered the kernel before the application stamped it; " + seen)
                .isGreaterThan(-clockErrorNanos);
        assertThat(percentile(returns, 0)).as("a read returned to the application before its last stamp; " + seen)
                .isGreaterThan(-clockErrorNanos);
        long crossing = percentile(crossings, 50);
        assertThat(crossing).as("median crossing into and out of the kernel; " + seen)
                .isLessThanOrEqualTo(bounds.maxMedianCrossingNanos());
        assertThat(returns.stream().filter(b -> b <= bounds.slowReturnNanos()).count())
                .as("messages whose return took <= %d ns; %s", bounds.slowReturnNanos(), seen)
                .isGreaterThanOrEqualTo(oneWay.length * 3L / 4);
        assertThat(returns.stream().filter(b -> b <= ordinaryReturn).count())
                .as("messages whose return took <= %d ns; %s", ordinaryReturn, seen)
                .isGreaterThanOrEqualTo(oneWay.length / 2);
        assertThat(appOrdinary.size()).as("messages whose entry took <= %d ns and return <= %d ns; %s", ordinaryEntry,
                ordinaryReturn, seen).isGreaterThanOrEqualTo(oneWay.length / 3);
        for (double p : new double[] {50, 99}) {
            assertAgrees("p" + p + " of " + appOrdinary.size() + " messages with an ordinary entry (<= " + ordinaryEntry
                            + " ns) and return (<= " + ordinaryReturn + " ns)",
                    percentile(appOrdinary, p), percentile(oursOrdinary, p), crossing, seen, bounds.toleranceDivisor());
        }
        return "median crossing " + crossing + " ns; " + seen;
    }

    /** At most twice the median crossing of one kind, at least 5 us, at most the bounds' slow return. */
    private static long ordinary(List<Long> crossings, Crossings bounds) {
        return Math.min(bounds.slowReturnNanos(), Math.max(2 * percentile(crossings, 50), MIN_ORDINARY_RETURN_NANOS));
    }

    private static void assertAgrees(String what, long theirs, long ours, long crossing, String seen, int divisor) {
        assertThat(Math.abs(theirs - ours))
                .as("%s: app %d ns, END_TO_END %d ns, median crossing %d ns; %s", what, theirs, ours, crossing, seen)
                .isLessThanOrEqualTo(Math.max(theirs / divisor, 5_000) + crossing);
    }

    private static String spread(List<Long> v) {
        return String.format("min %d, p50 %d, p90 %d, max %d", percentile(v, 0), percentile(v, 50), percentile(v, 90),
                percentile(v, 100));
    }

    private static long percentile(List<Long> values, double p) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get((int) Math.max(0, Math.min(sorted.size() - 1, Math.ceil(p / 100 * sorted.size()) - 1)));
    }

    /**
     * Every marker of a session with {@code markers} of them (one flow, one marker per
     * message) is accounted for: matched ones are in every hop and in END_TO_END alike, and
     * the rest are left out and counted with a reason. A few may be left out on the sandbox
     * kernels these tests run on, which skip tracing programs in PID 1's context
     * (docs/design.md); at most {@code max(2, 0.5 %)}.
     *
     * @param r       the session's report
     * @param markers markers the traffic carried
     */
    public static void assertEveryMarkerAccounted(io.latscope.LatencyReport r, long markers) {
        io.latscope.DataQuality q = r.quality();
        assertThat(q.markersSeen()).as("markers seen, in\n%s", r).isEqualTo(markers);
        assertThat(q.markersIncomplete()).as("markers left out, in\n%s", r).isLessThanOrEqualTo(Math.max(2, markers / 200));
        long matched = q.markersComplete() - q.retransmitted();
        assertThat(r.hop(io.latscope.Hop.END_TO_END).count()).as("END_TO_END counts the matched markers, in\n%s", r)
                .isBetween(matched, q.markersComplete());
        assertEveryHopCountsWhatEndToEndCounts(r);
    }

    /**
     * Every hop of the report counts the markers END_TO_END counts (each hop unscoped, or
     * scoped where it was measured in one namespace only).
     *
     * @param r a report
     */
    public static void assertEveryHopCountsWhatEndToEndCounts(io.latscope.LatencyReport r) {
        for (io.latscope.HopStats h : r.hops()) {
            if (!h.hop().isScoped() || r.soleScope(h.hop().unscoped()) != null) {
                assertThat(h.count()).as("%s counts what END_TO_END counts, in%n%s", h.hop(), r)
                        .isEqualTo(r.hop(io.latscope.Hop.END_TO_END).count());
            }
        }
    }
}
