package io.latscope.bench;

import java.util.Arrays;
import java.util.Locale;

/** Small helpers shared by the benchmarks: medians and formatting. */
final class Bench {
    private Bench() {
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }

    static void header(String title) {
        System.out.println();
        System.out.println("### " + title);
        System.out.println();
    }
}
