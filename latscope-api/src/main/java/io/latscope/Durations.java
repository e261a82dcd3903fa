package io.latscope;

import io.latscope.error.ConfigurationException;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Human-readable nanosecond durations ("1.25 µs") and parsing of "200us", "1.5ms", "800ns". */
public final class Durations {
    private static final Pattern DURATION = Pattern.compile("\\s*([0-9]+(?:\\.[0-9]+)?)\\s*(ns|us|µs|ms|s)\\s*");

    private Durations() {
    }

    /**
     * Formats a duration for people, with three significant digits or so.
     *
     * @param nanos a duration in nanoseconds; may be negative (a clock offset)
     * @return e.g. {@code 800 ns}, {@code 1.25 µs}, {@code 3.40 ms}, {@code 2.000 s}
     */
    public static String format(long nanos) {
        double v = nanos;
        if (Math.abs(v) < 1_000) {
            return nanos + " ns";
        } else if (Math.abs(v) < 1_000_000) {
            return String.format(Locale.ROOT, "%.2f µs", v / 1e3);
        } else if (Math.abs(v) < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.2f ms", v / 1e6);
        }
        return String.format(Locale.ROOT, "%.3f s", v / 1e9);
    }

    /**
     * Parses "200us", "1.5ms", "800ns", "2s" into nanoseconds.
     *
     * @param text a number and one of the units ns, us (or µs), ms, s; case and spaces do not matter
     * @return the duration in nanoseconds, rounded
     * @throws ConfigurationException when {@code text} is null or not of that form
     */
    public static long parseNanos(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigurationException("invalid duration '" + text + "'; write e.g. 800ns, 200us, 1.5ms, 2s");
        }
        double v = Double.parseDouble(m.group(1));
        double scale = switch (m.group(2)) {
            case "ns" -> 1;
            case "us", "µs" -> 1e3;
            case "ms" -> 1e6;
            default -> 1e9;
        };
        return Math.round(v * scale);
    }

    /**
     * Parses "200us", "1.5ms", "800ns", "2s" as {@link #parseNanos(String)} does.
     *
     * @param text a number and one of the units ns, us (or µs), ms, s
     * @return the duration
     * @throws ConfigurationException when {@code text} is null or not of that form
     */
    public static Duration parse(String text) {
        return Duration.ofNanos(parseNanos(text));
    }

    /**
     * Fails unless {@code d} is a positive duration.
     *
     * @param d    the duration
     * @param what its name in the message
     * @return {@code d}
     */
    public static Duration requirePositive(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new ConfigurationException(what + " must be a positive duration, got " + d);
        }
        return d;
    }
}
