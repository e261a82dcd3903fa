package io.latscope.agent;

import io.latscope.FlowKey;
import io.latscope.Hop;
import io.latscope.LatencyReport;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How scoped hops appear in a report: in path order, and with scopes only where they tell
 * something — a hop measured in a single namespace or host is shown unscoped
 * ({@code tx.DEV}, with {@link LatencyReport#soleScope}); one measured in several is shown
 * once per scope ({@code tx.DEV@ns1}, {@code tx.DEV@ns2}).
 */
public final class HopPresentation {
    private HopPresentation() {
    }

    /**
     * Adds hops (and per-flow hops) to a report under construction, taking the histograms
     * as they are (no copy): the caller hands over maps it does not use afterwards.
     */
    public static void addTo(LatencyReport.Builder b, Map<Hop, Histogram> hops, Map<FlowKey, Map<Hop, Histogram>> flows) {
        present(hops).forEach(b::takeHop);
        soleScopes(hops).forEach(b::soleScope);
        flows.forEach((flow, fh) -> present(fh).forEach((h, v) -> b.takeFlowHop(flow, h, v)));
    }

    static Map<Hop, Histogram> present(Map<Hop, Histogram> hops) {
        Map<Hop, Histogram> out = new LinkedHashMap<>();
        byKind(hops).forEach((kind, scoped) -> {
            if (scoped.size() == 1) {
                out.put(kind, hops.get(scoped.getFirst()));
            } else {
                Collections.sort(scoped);
                scoped.forEach(h -> out.put(h, hops.get(h)));
            }
        });
        return out;
    }

    static Map<Hop, String> soleScopes(Map<Hop, Histogram> hops) {
        Map<Hop, String> out = new LinkedHashMap<>();
        byKind(hops).forEach((kind, scoped) -> {
            if (scoped.size() == 1 && scoped.getFirst().isScoped()) {
                out.put(kind, scoped.getFirst().scope());
            }
        });
        return out;
    }

    /** Scoped hops grouped by their unscoped kind, in path order. */
    private static Map<Hop, List<Hop>> byKind(Map<Hop, Histogram> hops) {
        Map<Hop, List<Hop>> byKind = new TreeMap<>();
        for (Hop h : hops.keySet()) {
            byKind.computeIfAbsent(h.unscoped(), k -> new ArrayList<>()).add(h);
        }
        return byKind;
    }
}
