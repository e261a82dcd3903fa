package io.latscope.jmh;

import io.latscope.Hop;
import io.latscope.LatScope;
import io.latscope.Layer;
import io.latscope.SessionSpec;
import io.latscope.error.ConfigurationException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The profiler's options, from JMH's init line: {@code key=value;key=value}, lists
 * comma-separated. Every value is checked here, so a mistake fails the run before it starts.
 */
record ProfilerOptions(List<Layer> layers, int[] ports, List<String> namespaces, boolean allNamespaces, int stride,
                       double[] percentiles, List<Hop> hops, boolean scoped, boolean table) {

    static final String HELP = "layers=SOCKET,TCP,IP,DEV,VETH (default all); ports=5001,5002 (default every port);"
            + " namespaces=NAME,NAME or all (default the benchmark's own); stride=BYTES (a power of two, default "
            + LatScope.DEFAULT_STRIDE + "); percentiles=50,99 (default); hops=tx.TCP,END_TO_END (default every hop"
            + " measured); scoped=true (a hop per namespace, default merged); table=true (print the trial's table)";

    static ProfilerOptions parse(String initLine) {
        List<Layer> layers = new ArrayList<>();
        int[] ports = {};
        List<String> namespaces = new ArrayList<>();
        boolean all = false;
        int stride = LatScope.DEFAULT_STRIDE;
        double[] percentiles = {50, 99};
        List<Hop> hops = new ArrayList<>();
        boolean scoped = false;
        boolean table = false;
        for (String part : (initLine == null ? "" : initLine).split(";")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq < 0) {
                throw new ConfigurationException("option '" + part.strip() + "' has no value; options are: " + HELP);
            }
            String key = part.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            List<String> values = Arrays.stream(part.substring(eq + 1).split(",")).map(String::strip)
                    .filter(v -> !v.isEmpty()).toList();
            switch (key) {
                case "layers" -> values.forEach(v -> layers.add(Layer.parse(v)));
                case "ports" -> ports = values.stream().mapToInt(v -> integer(key, v)).toArray();
                case "namespaces" -> {
                    if (values.size() == 1 && values.getFirst().equalsIgnoreCase("all")) {
                        all = true;
                    } else {
                        namespaces.addAll(values);
                    }
                }
                case "stride" -> stride = integer(key, single(key, values));
                case "percentiles" -> percentiles = values.stream().mapToDouble(v -> percentile(v)).toArray();
                case "hops" -> values.forEach(v -> hops.add(Hop.parse(v)));
                case "scoped" -> scoped = bool(key, single(key, values));
                case "table" -> table = bool(key, single(key, values));
                default -> throw new ConfigurationException("unknown option '" + key + "'; options are: " + HELP);
            }
        }
        if (percentiles.length == 0) {
            throw new ConfigurationException("percentiles is empty; write e.g. percentiles=50,99");
        }
        ProfilerOptions o = new ProfilerOptions(List.copyOf(layers), ports, List.copyOf(namespaces), all, stride, percentiles,
                List.copyOf(hops), scoped, table);
        o.spec("validation"); // the builder checks layers, ports, stride and that the namespaces exist
        return o;
    }

    SessionSpec spec(String label) {
        LatScope.Builder b = LatScope.builder().layers(layers.toArray(Layer[]::new)).ports(ports).stride(stride).label(label);
        if (allNamespaces) {
            b.allNamespaces();
        } else {
            b.namespaces(namespaces.toArray(String[]::new));
        }
        return b.build();
    }

    private static String single(String key, List<String> values) {
        if (values.size() != 1) {
            throw new ConfigurationException("option " + key + " takes one value, got " + values);
        }
        return values.getFirst();
    }

    private static int integer(String key, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ConfigurationException("option " + key + ": '" + v + "' is not a whole number");
        }
    }

    private static double percentile(String v) {
        double p;
        try {
            p = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new ConfigurationException("option percentiles: '" + v + "' is not a number");
        }
        if (!(p > 0 && p <= 100)) {
            throw new ConfigurationException("option percentiles: " + v + " is not in (0, 100]");
        }
        return p;
    }

    private static boolean bool(String key, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new ConfigurationException("option " + key + ": '" + v + "' is not true or false");
        };
    }
}
