package io.latscope.config;

import io.latscope.Durations;
import io.latscope.error.ConfigurationException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A YAML mapping with typed getters that fail naming file, line, column, the key's path
 * (e.g. {@code sampling.stride}) and what the key takes.
 */
final class Section {
    /** Key names that hold secrets; never read from YAML. */
    static final Pattern SECRET_KEY = Pattern.compile("(?i).*(password|passwd|passphrase|secret|token|pwd).*");

    private final YamlFile file;
    private final Node node;
    private final String path;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

    private Section(YamlFile file, Node node, String path) {
        this.file = file;
        this.node = node;
        this.path = path;
    }

    static Section empty(YamlFile file, String path) {
        return new Section(file, null, path);
    }

    static Section of(YamlFile file, Node n, String path) {
        if (!(n instanceof MappingNode m)) {
            throw file.error(n, (path.isEmpty() ? "the file" : path) + " must be a mapping of 'key: value' lines, not "
                    + describe(n));
        }
        Section s = new Section(file, n, path);
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw file.error(t.getKeyNode(), "keys of " + label(path) + " must be plain names, not " + describe(t.getKeyNode()));
            }
            if (s.entries.put(k.getValue(), t) != null) {
                throw file.error(k, "key '" + k.getValue() + "' appears twice in " + label(path));
            }
        }
        return s;
    }

    private static String label(String path) {
        return path.isEmpty() ? "the file" : path;
    }

    static String describe(Node n) {
        if (n instanceof MappingNode) {
            return "a mapping";
        }
        if (n instanceof SequenceNode) {
            return "a list";
        }
        if (n instanceof ScalarNode s) {
            return s.getTag().equals(Tag.NULL) ? "an empty value" : "'" + s.getValue() + "'";
        }
        return "nothing";
    }

    YamlFile file() {
        return file;
    }

    Node node() {
        return node;
    }

    String path() {
        return path;
    }

    String key(String k) {
        return path.isEmpty() ? k : path + "." + k;
    }

    Set<String> keys() {
        return entries.keySet();
    }

    boolean has(String key) {
        NodeTuple t = entries.get(key);
        return t != null && !isNull(t.getValueNode());
    }

    Node keyNode(String key) {
        NodeTuple t = entries.get(key);
        return t == null ? node : t.getKeyNode();
    }

    Optional<Node> value(String key) {
        NodeTuple t = entries.get(key);
        return t == null || isNull(t.getValueNode()) ? Optional.empty() : Optional.of(t.getValueNode());
    }

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    ConfigurationException error(String key, String problem) {
        return file.error(value(key).orElse(keyNode(key)), key(key) + ": " + problem);
    }

    /** Fails on a key not in {@code valid}, naming the valid keys. */
    void requireKnown(Collection<String> valid) {
        for (NodeTuple t : entries.values()) {
            String k = ((ScalarNode) t.getKeyNode()).getValue();
            if (!valid.contains(k)) {
                throw file.error(t.getKeyNode(), "unknown key '" + k + "' in " + label(path) + "; valid keys: "
                        + String.join(", ", valid) + closest(k, valid));
            }
        }
    }

    private static String closest(String k, Collection<String> valid) {
        String best = null;
        int bestD = 3;
        for (String v : valid) {
            int d = distance(k.toLowerCase(Locale.ROOT), v.toLowerCase(Locale.ROOT));
            if (d < bestD) {
                bestD = d;
                best = v;
            }
        }
        return best == null ? "" : " (did you mean '" + best + "'?)";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int[] cur = new int[b.length() + 1];
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            prev = cur;
        }
        return prev[b.length()];
    }

    /** Fails on any key that names a secret, saying where the secret goes instead. */
    void refuseSecrets(String instead) {
        for (String k : entries.keySet()) {
            if (SECRET_KEY.matcher(k).matches()) {
                throw file.error(keyNode(k), key(k) + ": secrets are not read from YAML files (they end up in version"
                        + " control and in process listings); " + instead + ", and remove this line");
            }
        }
    }

    // ---- typed values -------------------------------------------------------------------

    String string(String key) {
        return value(key).map(n -> scalar(key, n)).orElse(null);
    }

    String string(String key, String what) {
        String s = string(key);
        if (s == null) {
            throw file.error(keyNode(key), key(key) + " is missing: " + what);
        }
        return s;
    }

    private String scalar(String key, Node n) {
        if (!(n instanceof ScalarNode s)) {
            throw file.error(n, key(key) + " takes a single value, not " + describe(n));
        }
        return s.getValue();
    }

    Integer integer(String key, String what) {
        return value(key).map(n -> toInt(key, n, what)).orElse(null);
    }

    Integer toInt(String key, Node n, String what) {
        String s = scalar(key, n);
        try {
            return Integer.valueOf(s.strip().replace("_", ""));
        } catch (NumberFormatException e) {
            throw file.error(n, key(key) + ": '" + s + "' is not a whole number (" + what + ")");
        }
    }

    Boolean bool(String key) {
        return value(key).map(n -> {
            String s = scalar(key, n).strip().toLowerCase(Locale.ROOT);
            return switch (s) {
                case "true" -> true;
                case "false" -> false;
                default -> throw file.error(n, key(key) + ": '" + s + "' is not a boolean; write true or false");
            };
        }).orElse(null);
    }

    /** A duration with a unit ("250ms", "2s"); a bare number is taken in {@code bareUnit} when that is not null. */
    Duration duration(String key, String bareUnit) {
        return value(key).map(n -> {
            String s = scalar(key, n).strip();
            if (bareUnit != null && s.matches("[0-9]+(\\.[0-9]+)?")) {
                s = s + bareUnit;
            }
            try {
                return Durations.parse(s);
            } catch (ConfigurationException e) {
                throw file.error(n, key(key) + ": '" + scalar(key, n) + "' is not a duration; write e.g. 500ms, 2s, 1.5s"
                        + (bareUnit == null ? " (with a unit: ns, us, ms, s)" : ""));
            }
        }).orElse(null);
    }

    /** A list; a single scalar is a list of one. */
    List<Node> list(String key) {
        Optional<Node> v = value(key);
        if (v.isEmpty()) {
            return List.of();
        }
        if (v.get() instanceof SequenceNode s) {
            return s.getValue();
        }
        if (v.get() instanceof ScalarNode) {
            return List.of(v.get());
        }
        throw file.error(v.get(), key(key) + " takes a list, not " + describe(v.get()));
    }

    List<String> strings(String key) {
        List<String> out = new ArrayList<>();
        for (Node n : list(key)) {
            out.add(scalar(key, n));
        }
        return out;
    }

    <T> List<T> each(String key, Function<Node, T> parse) {
        List<T> out = new ArrayList<>();
        for (Node n : list(key)) {
            out.add(parse.apply(n));
        }
        return out;
    }

    Section section(String key) {
        Optional<Node> v = value(key);
        return v.isEmpty() ? empty(file, key(key)) : of(file, v.get(), key(key));
    }

    /** Runs {@code check}, turning its ConfigurationException into one located at {@code key}'s value. */
    <T> T checked(String key, java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (ConfigFileException e) {
            throw e;
        } catch (ConfigurationException e) {
            throw file.error(value(key).orElse(keyNode(key)), key(key) + ": " + e.getMessage(), e);
        }
    }

    /** Like {@link #checked(String, java.util.function.Supplier)} for a node of a list. */
    <T> T checked(Node at, String what, java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (ConfigFileException e) {
            throw e;
        } catch (ConfigurationException e) {
            throw file.error(at, what + ": " + e.getMessage(), e);
        }
    }

    String scalarOf(String key, Node n) {
        return scalar(key, n);
    }
}
