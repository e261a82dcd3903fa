package io.latscope;

/** A password or key in a spec: kept for use, never printed. */
public record Secret(String value) {
    public static Secret of(String value) {
        return value == null ? null : new Secret(value);
    }

    @Override
    public String toString() {
        return "****";
    }
}
