package io.latscope.remote;

import java.util.List;
import java.util.stream.Collectors;

/** POSIX shell quoting for commands sent to a remote login shell. */
final class Shell {
    private Shell() {
    }

    /** {@code s} as one single-quoted word. */
    static String quote(String s) {
        if (!s.isEmpty() && s.chars().allMatch(c -> (c < 128 && Character.isLetterOrDigit(c)) || "/._-=:,+@%".indexOf(c) >= 0)) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    static String join(List<String> words) {
        return words.stream().map(Shell::quote).collect(Collectors.joining(" "));
    }
}
