package io.latscope.report;

import io.latscope.ClockEstimate;
import io.latscope.Counters;
import io.latscope.FlowKey;
import io.latscope.FlowStats;
import io.latscope.Hop;
import io.latscope.LatencyReport;
import io.latscope.ProbeCost;
import io.latscope.ProcessStats;
import io.latscope.SessionHealth;
import io.latscope.Provenance;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an interval report that are not histograms (those are in the .hlog), as one
 * YAML document per interval in {@code intervals.yaml}: which hops the interval has, their
 * sole scopes, counters, flows, processes, clocks, probe costs, unavailable hops and, for
 * multi-host sessions, the session's health as of the interval.
 */
final class IntervalRecords {
    private static final Dump DUMP = new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.FLOW)
            .setWidth(Integer.MAX_VALUE).setExplicitStart(true).build());

    private IntervalRecords() {
    }

    static String write(LatencyReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("session", r.sessionId());
        m.put("start", r.start().toString());
        m.put("end", r.end().toString());
        m.put("provenance", r.provenance().toString());
        m.put("hops", r.hops().stream().map(h -> h.hop().toString()).toList());
        Map<String, String> sole = new LinkedHashMap<>();
        r.soleScopes().forEach((h, s) -> sole.put(h.toString(), s));
        m.put("soleScopes", sole);
        Counters c = r.counters();
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("markersPerPoint", new LinkedHashMap<>(c.markersPerPoint()));
        cm.put("matched", c.markersMatched());
        cm.put("incomplete", c.markersIncomplete());
        cm.put("retransmitted", c.markersRetransmitted());
        cm.put("ringBufferDrops", c.ringBufferDrops());
        cm.put("eventsReceived", c.eventsReceived());
        cm.put("expired", c.markersExpired());
        cm.put("overflow", c.markersOverflow());
        cm.put("unobservable", c.markersUnobservable());
        cm.put("missingPoints", new LinkedHashMap<>(c.missingPoints()));
        cm.put("dropsPerPoint", new LinkedHashMap<>(c.dropsPerPoint()));
        cm.put("pending", c.markersPending());
        m.put("counters", cm);
        List<Object> flows = new ArrayList<>();
        for (FlowStats f : r.flows()) {
            flows.add(List.of(f.flow().toString(), f.label() == null ? "" : f.label(), f.bytes(), f.segments(),
                    f.retransmittedSegments(), f.throughputBitsPerSecond()));
        }
        m.put("flows", flows);
        List<Object> procs = new ArrayList<>();
        for (ProcessStats p : r.processes()) {
            procs.add(List.of(p.host(), p.pid(), p.command(), p.flow() == null ? "" : p.flow().toString(), p.cpuPercent(),
                    p.rssBytes()));
        }
        m.put("processes", procs);
        List<Object> clocks = new ArrayList<>();
        for (ClockEstimate e : r.clocks()) {
            clocks.add(List.of(e.host(), e.reference(), e.at().toString(), e.anchorNanos(), e.offsetNanos(), e.driftPpb(),
                    e.errorBoundNanos(), e.probesUsed()));
        }
        m.put("clocks", clocks);
        List<Object> costs = new ArrayList<>();
        for (ProbeCost p : r.probeCosts()) {
            costs.add(List.of(p.program(), p.attachPoint(), p.runs(), p.meanNanos()));
        }
        m.put("probeCosts", costs);
        Map<String, String> un = new LinkedHashMap<>();
        r.unavailable().forEach((h, why) -> un.put(h.toString(), why));
        m.put("unavailable", un);
        r.health().ifPresent(h -> {
            Map<String, Object> hm = new LinkedHashMap<>();
            hm.put("state", h.state().name());
            hm.put("since", h.since().toString());
            hm.put("causes", h.causes());
            Map<String, Object> lost = new LinkedHashMap<>();
            h.lost().forEach((host, l) -> lost.put(host, List.of(l.records(), l.intervals(), l.markerParts(), l.reason())));
            hm.put("lost", lost);
            m.put("health", hm);
        });
        return DUMP.dumpToString(m);
    }

    /** The report of one interval: its YAML document and its histograms by tag (from the .hlog). */
    @SuppressWarnings("unchecked")
    static LatencyReport read(Map<String, Object> m, Map<String, org.HdrHistogram.Histogram> byTag) {
        LatencyReport.Builder b = LatencyReport.builder((String) m.get("session"))
                .period(Instant.parse((String) m.get("start")), Instant.parse((String) m.get("end"))).interval(true)
                .provenance(Provenance.parse((String) m.get("provenance")));
        for (String hop : (List<String>) m.get("hops")) {
            org.HdrHistogram.Histogram h = byTag.get(hop.replaceAll("[\\s,]", "_"));
            if (h != null) {
                b.takeHop(Hop.parse(hop), h);
            }
        }
        ((Map<String, String>) m.getOrDefault("soleScopes", Map.of())).forEach((h, s) -> b.soleScope(Hop.parse(h), s));
        Map<String, Object> c = (Map<String, Object>) m.get("counters");
        b.counters(new Counters(longs(c.get("markersPerPoint")), n(c.get("matched")), n(c.get("incomplete")),
                n(c.get("retransmitted")), n(c.get("ringBufferDrops")), n(c.get("eventsReceived")), n(c.get("expired")),
                n(c.get("overflow")), n(c.get("unobservable")), longs(c.get("missingPoints")), longs(c.get("dropsPerPoint")),
                n(c.getOrDefault("pending", 0L))));
        for (List<Object> f : (List<List<Object>>) m.getOrDefault("flows", List.of())) {
            String label = (String) f.get(1);
            b.flow(new FlowStats(flow((String) f.get(0)), label.isEmpty() ? null : label, n(f.get(2)), n(f.get(3)),
                    n(f.get(4)), d(f.get(5))));
        }
        for (List<Object> p : (List<List<Object>>) m.getOrDefault("processes", List.of())) {
            String flow = (String) p.get(3);
            b.process(new ProcessStats((String) p.get(0), n(p.get(1)), (String) p.get(2), flow.isEmpty() ? null : flow(flow),
                    d(p.get(4)), n(p.get(5))));
        }
        for (List<Object> e : (List<List<Object>>) m.getOrDefault("clocks", List.of())) {
            b.clock(new ClockEstimate((String) e.get(0), (String) e.get(1), Instant.parse((String) e.get(2)), n(e.get(3)),
                    n(e.get(4)), d(e.get(5)), n(e.get(6)), (int) n(e.get(7))));
        }
        for (List<Object> p : (List<List<Object>>) m.getOrDefault("probeCosts", List.of())) {
            b.probeCost(new ProbeCost((String) p.get(0), (String) p.get(1), n(p.get(2)), d(p.get(3))));
        }
        ((Map<String, String>) m.getOrDefault("unavailable", Map.of())).forEach((h, why) -> b.unavailable(Hop.parse(h), why));
        Map<String, Object> hm = (Map<String, Object>) m.get("health");
        if (hm != null) {
            Map<String, SessionHealth.Loss> lost = new LinkedHashMap<>();
            ((Map<String, List<Object>>) hm.get("lost")).forEach((host, l) -> lost.put(host,
                    new SessionHealth.Loss(n(l.get(0)), n(l.get(1)), n(l.get(2)), (String) l.get(3))));
            b.health(new SessionHealth(SessionHealth.State.valueOf((String) hm.get("state")),
                    Instant.parse((String) hm.get("since")), (List<String>) hm.get("causes"), lost));
        }
        return b.build();
    }

    private static long n(Object o) {
        return ((Number) o).longValue();
    }

    private static double d(Object o) {
        return ((Number) o).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Long> longs(Object o) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (o != null) {
            ((Map<String, Object>) o).forEach((k, v) -> out.put(k, n(v)));
        }
        return out;
    }

    /** Reads what {@link FlowKey#toString()} wrote: {@code a:p->b:q}, IPv6 in brackets. */
    static FlowKey flow(String s) {
        int arrow = s.indexOf("->");
        String[] a = endpoint(s.substring(0, arrow));
        String[] d = endpoint(s.substring(arrow + 2));
        return new FlowKey(InetAddress.ofLiteral(a[0]), Integer.parseInt(a[1]), InetAddress.ofLiteral(d[0]),
                Integer.parseInt(d[1]));
    }

    private static String[] endpoint(String s) {
        int c = s.lastIndexOf(':');
        String addr = s.substring(0, c);
        return new String[] {addr.startsWith("[") ? addr.substring(1, addr.length() - 1) : addr, s.substring(c + 1)};
    }

}
