package io.latscope;

import io.latscope.error.ConfigurationException;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Where a session's results are persisted: plain data (a URL, credentials, options),
 * printable without secrets, with no open connection. The store itself is found when a
 * session starts (or by {@code io.latscope.store.Stores.open}) through the
 * {@code ResultStoreProvider} that supports the URL — e.g. latscope-store-mysql for
 * {@code jdbc:mysql:} and {@code jdbc:mariadb:} URLs, the built-in in-memory store for
 * {@code memory:NAME}. Made by the factories in {@code io.latscope.store.Stores}.
 *
 * @param url         the store's URL, without a password
 * @param credentials user and password, or null where the store needs none
 * @param options     provider-specific settings (e.g. {@code batchRows}); checked by the provider
 */
public record StoreSpec(String url, Credentials credentials, Map<String, String> options) {
    private static final Pattern SECRET_PARAM = Pattern.compile("(?i)([?&;](password|pass|pwd|secret)[^=&;]*=)[^&;]*");
    private static final Pattern USER_INFO = Pattern.compile("(//)[^/@]*@");

    /** Checks the URL; keeps the options sorted. */
    public StoreSpec {
        if (url == null || url.isBlank()) {
            throw new ConfigurationException("a store needs a URL, e.g. jdbc:mysql://127.0.0.1:3306/latscope");
        }
        if (!redact(url).equals(url)) {
            throw new ConfigurationException("the store URL '" + redact(url) + "' carries a password: pass it as "
                    + "Credentials (or " + Credentials.PASSWORD_ENV + "), not in the URL");
        }
        options = Map.copyOf(new TreeMap<>(Objects.requireNonNullElse(options, Map.of())));
    }

    /**
     * A copy with one more option.
     *
     * @param key   the option's name
     * @param value its value (printed with {@code String.valueOf})
     * @return the new spec
     */
    public StoreSpec with(String key, Object value) {
        if (key == null || key.isBlank() || value == null) {
            throw new ConfigurationException("store option " + key + " needs a name and a value, got " + value);
        }
        Map<String, String> o = new LinkedHashMap<>(options);
        o.put(key, String.valueOf(value));
        return new StoreSpec(url, credentials, o);
    }

    /**
     * The store as messages and reports name it.
     *
     * @return the URL and user, never a password
     */
    public String description() {
        return url + (credentials == null ? "" : " as " + credentials.user());
    }

    /**
     * A URL with any password in it masked.
     *
     * @param url a store URL
     * @return the URL with {@code user:password@} and {@code password=} parameters masked
     */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        return USER_INFO.matcher(SECRET_PARAM.matcher(url).replaceAll("$1****")).replaceAll("$1****@");
    }

    @Override
    public String toString() {
        return "StoreSpec[" + description() + (options.isEmpty() ? "" : ", options=" + options) + "]";
    }
}
