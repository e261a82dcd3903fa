package io.latscope;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What a report was measured with, as an HdrHistogram log carries its tag: the session's
 * settings that shape its numbers and the kernel of every host. Printed at the head of a
 * report, written into {@code .hlog} headers and stored with the session; {@link #parse}
 * reads back what {@link #toString()} wrote.
 *
 * @param label       the session's label
 * @param strideBytes marker stride
 * @param layers      layers whose boundaries were stamped
 * @param ports       TCP ports of interest; empty = every port
 * @param scopes      namespaces (one host) or host labels (several hosts) measured
 * @param sync        clock sync method, e.g. {@code none} or {@code xdp two-step}
 * @param kernels     each host's kernel release, by host label ({@code local} for this one)
 * @param retransmissionsIncluded whether retransmitted markers are in the histograms
 *                    ({@link SessionSpec.Sampling#includeRetransmissions()}; off by default)
 */
public record Provenance(String label, int strideBytes, Set<Layer> layers, Set<Integer> ports, List<String> scopes,
                         String sync, Map<String, String> kernels, boolean retransmissionsIncluded) {
    /** For reports made without a session (tests, hand-built reports). */
    public static final Provenance UNKNOWN = new Provenance("", 0, Set.of(), Set.of(), List.of(), "unknown", Map.of());

    /**
     * A provenance whose histograms leave retransmitted markers out (the default).
     *
     * @param label       the session's label
     * @param strideBytes marker stride
     * @param layers      layers whose boundaries were stamped
     * @param ports       TCP ports of interest; empty = every port
     * @param scopes      namespaces or host labels measured
     * @param sync        clock sync method
     * @param kernels     each host's kernel release, by host label
     */
    public Provenance(String label, int strideBytes, Set<Layer> layers, Set<Integer> ports, List<String> scopes,
                      String sync, Map<String, String> kernels) {
        this(label, strideBytes, layers, ports, scopes, sync, kernels, false);
    }

    /** Copies and orders the collections. */
    public Provenance {
        label = label == null ? "" : label;
        layers = Set.copyOf(layers);
        ports = Set.copyOf(ports);
        scopes = List.copyOf(scopes);
        kernels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(kernels));
    }

    /**
     * The provenance of a session's reports.
     *
     * @param spec    the session's spec
     * @param kernels each host's kernel release
     * @return what a report of that session was measured with
     */
    public static Provenance of(SessionSpec spec, Map<String, String> kernels) {
        List<String> scopes = new ArrayList<>();
        if (spec.isLocal()) {
            if (spec.traffic().allNamespaces()) {
                scopes.add("all namespaces");
            } else {
                spec.traffic().namespaces().forEach(n -> scopes.add(n.name()));
            }
        } else {
            spec.hosts().forEach(h -> scopes.add(h.label()));
        }
        // one host has one clock: a sync given in the spec is not run there, and a report must not claim it
        return new Provenance(spec.label(), spec.sampling().strideBytes(), spec.layers(), spec.traffic().ports(), scopes,
                spec.isLocal() ? SyncSpec.none().describe() : spec.sync().describe(), kernels,
                spec.sampling().includeRetransmissions());
    }

    /**
     * Whether this is {@link #UNKNOWN}: the report says nothing about how it was measured.
     *
     * @return true for {@link #UNKNOWN}
     */
    public boolean isUnknown() {
        return strideBytes == 0;
    }

    /**
     * The line reports print and {@link #parse} reads back.
     *
     * @return e.g. {@code stride=1024 layers=SOCKET,TCP ports=5001 scopes=a,b sync=none kernels=local:6.18.1
     *         retransmissions=out label=x}
     */
    @Override
    public String toString() {
        return format(Provenance::escape);
    }

    /**
     * The same line for people to read, where text reports print it: values as they are
     * ({@code sync=xdp two-step}), so it does not always parse back; {@link #toString()} does.
     *
     * @return e.g. {@code stride=1024 layers=SOCKET,TCP ports=5001 scopes=ns one,b sync=xdp two-step kernels=local:6.18.1
     *         retransmissions=out label=x}
     */
    public String display() {
        return format(v -> v);
    }

    private String format(java.util.function.UnaryOperator<String> value) {
        if (isUnknown()) {
            return "unknown";
        }
        return "stride=" + strideBytes
                + " layers=" + new TreeSet<>(layers).stream().map(Enum::name).collect(Collectors.joining(","))
                + " ports=" + (ports.isEmpty() ? "any" : new TreeSet<>(ports).stream().map(String::valueOf).collect(Collectors.joining(",")))
                + " scopes=" + String.join(",", scopes.stream().map(value).toList())
                + " sync=" + value.apply(sync)
                + " kernels=" + kernels.entrySet().stream().map(e -> value.apply(e.getKey()) + ":" + value.apply(e.getValue()))
                        .collect(Collectors.joining(","))
                + " retransmissions=" + (retransmissionsIncluded ? "in" : "out")
                + " label=" + value.apply(label);
    }

    /**
     * Reads what {@link #toString()} wrote.
     *
     * @param text a provenance line, or {@code unknown}
     * @return the provenance; {@link #UNKNOWN} for text it cannot read
     */
    public static Provenance parse(String text) {
        if (text == null || !text.startsWith("stride=")) {
            return UNKNOWN;
        }
        Map<String, String> f = new LinkedHashMap<>();
        for (String part : text.split(" ")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                f.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        try {
            Set<Layer> layers = f.getOrDefault("layers", "").isEmpty() ? Set.of()
                    : java.util.Arrays.stream(f.get("layers").split(",")).map(Layer::valueOf).collect(Collectors.toSet());
            String p = f.getOrDefault("ports", "any");
            Set<Integer> ports = p.equals("any") || p.isEmpty() ? Set.of()
                    : java.util.Arrays.stream(p.split(",")).map(Integer::valueOf).collect(Collectors.toSet());
            String sc = f.getOrDefault("scopes", "");
            List<String> scopes = sc.isEmpty() ? List.of()
                    : java.util.Arrays.stream(sc.split(",")).map(Provenance::unescape).toList();
            Map<String, String> kernels = new LinkedHashMap<>();
            String k = f.getOrDefault("kernels", "");
            if (!k.isEmpty()) {
                for (String e : k.split(",")) {
                    int c = e.indexOf(':');
                    kernels.put(unescape(e.substring(0, c)), unescape(e.substring(c + 1)));
                }
            }
            return new Provenance(unescape(f.getOrDefault("label", "")), Integer.parseInt(f.get("stride")), layers, ports,
                    scopes, unescape(f.getOrDefault("sync", "unknown")), kernels,
                    "in".equals(f.get("retransmissions"))); // lines written before it was recorded: out, the default
        } catch (RuntimeException e) {
            return UNKNOWN;
        }
    }

    // spaces, commas, colons, equals and percent signs are %-escaped so that every field stays one token
    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == ' ' || c == ',' || c == ':' || c == '=' || c == '%' || Character.isISOControl(c)) {
                b.append('%').append(String.format("%02X", (int) c & 0xff));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String unescape(String s) {
        return java.net.URLDecoder.decode(s.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    }
}
