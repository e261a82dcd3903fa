package io.latscope;

/**
 * A password or key in a spec: kept for use, never printed.
 *
 * @param value the secret itself; {@link #toString()} shows {@code ****} instead
 */
public record Secret(String value) {
    /**
     * Wraps a secret that may be absent.
     *
     * @param value the secret, or null
     * @return the secret, or null when {@code value} is null
     */
    public static Secret of(String value) {
        return value == null ? null : new Secret(value);
    }

    @Override
    public String toString() {
        return "****";
    }
}
