package io.latscope.remote;

import io.latscope.Layer;
import io.latscope.error.ConfigurationException;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a remote agent measures and where it reports, passed on its command line (no
 * secrets: the Redis password travels in the environment).
 */
public record AgentConfig(String session, String host, Set<Layer> layers, Set<Integer> ports, List<String> namespaces,
                          boolean allNamespaces, int strideBytes, Duration interval, Duration markerTimeout,
                          boolean probeCost, boolean syscallBoundaries, int ringBufferBytes, String redisUrl,
                          Duration controllerTimeout, int maxBufferedRecords) {

    public AgentConfig {
        layers = Set.copyOf(layers);
        ports = Set.copyOf(ports);
        namespaces = List.copyOf(namespaces);
    }

    public String encode() {
        Properties p = new Properties();
        p.setProperty("session", session);
        p.setProperty("host", host);
        p.setProperty("layers", layers.stream().map(Enum::name).sorted().collect(Collectors.joining(",")));
        p.setProperty("ports", ports.stream().map(String::valueOf).collect(Collectors.joining(",")));
        p.setProperty("namespaces", String.join(",", namespaces));
        p.setProperty("allNamespaces", Boolean.toString(allNamespaces));
        p.setProperty("stride", Integer.toString(strideBytes));
        p.setProperty("intervalMs", Long.toString(interval.toMillis()));
        p.setProperty("markerTimeoutMs", Long.toString(markerTimeout.toMillis()));
        p.setProperty("probeCost", Boolean.toString(probeCost));
        p.setProperty("syscallBoundaries", Boolean.toString(syscallBoundaries));
        p.setProperty("ringBytes", Integer.toString(ringBufferBytes));
        p.setProperty("redis", redisUrl);
        p.setProperty("controllerTimeoutMs", Long.toString(controllerTimeout.toMillis()));
        p.setProperty("maxBuffered", Integer.toString(maxBufferedRecords));
        StringWriter w = new StringWriter();
        try {
            p.store(w, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(w.toString().getBytes(StandardCharsets.UTF_8));
    }

    public static AgentConfig decode(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8)));
            Set<Layer> layers = EnumSet.noneOf(Layer.class);
            for (String l : split(p.getProperty("layers"))) {
                layers.add(Layer.parse(l));
            }
            return new AgentConfig(p.getProperty("session"), p.getProperty("host"), layers,
                    split(p.getProperty("ports")).stream().map(Integer::valueOf).collect(Collectors.toSet()),
                    split(p.getProperty("namespaces")), Boolean.parseBoolean(p.getProperty("allNamespaces")),
                    Integer.parseInt(p.getProperty("stride")), Duration.ofMillis(Long.parseLong(p.getProperty("intervalMs"))),
                    Duration.ofMillis(Long.parseLong(p.getProperty("markerTimeoutMs"))),
                    Boolean.parseBoolean(p.getProperty("probeCost")), Boolean.parseBoolean(p.getProperty("syscallBoundaries")),
                    Integer.parseInt(p.getProperty("ringBytes")), p.getProperty("redis"),
                    Duration.ofMillis(Long.parseLong(p.getProperty("controllerTimeoutMs"))),
                    Integer.parseInt(p.getProperty("maxBuffered")));
        } catch (IOException | RuntimeException e) {
            throw new ConfigurationException("invalid agent configuration: " + e.getMessage(), e);
        }
    }

    private static List<String> split(String s) {
        return s == null || s.isBlank() ? List.of() : Arrays.stream(s.split(",")).map(String::strip).toList();
    }
}
