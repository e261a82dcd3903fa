package io.latscope.store.mysql;

import io.latscope.error.ConfigurationException;
import io.latscope.Credentials;
import io.latscope.store.Stores;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A {@code jdbc:mysql://host[:port][,host...]/database[?k=v&...]} URL ({@code jdbc:mariadb:}
 * is accepted and rewritten, since MySQL's Connector/J speaks to both). User and password,
 * in the query or as {@code user:password@host}, are taken out: {@link #jdbcUrl()} is safe
 * to print.
 */
public record MySqlUrl(String jdbcUrl, String hosts, String database, Optional<Credentials> credentials) {

    public static MySqlUrl parse(String url) {
        if (url == null) {
            throw new ConfigurationException("the JDBC URL is null; write e.g. jdbc:mysql://127.0.0.1:3306/latscope");
        }
        String rest;
        if (url.startsWith("jdbc:mysql://")) {
            rest = url.substring("jdbc:mysql://".length());
        } else if (url.startsWith("jdbc:mariadb://")) {
            rest = url.substring("jdbc:mariadb://".length());
        } else {
            throw new ConfigurationException("not a MySQL/MariaDB JDBC URL: '" + Stores.redact(url)
                    + "'; write e.g. jdbc:mysql://127.0.0.1:3306/latscope");
        }
        int q = rest.indexOf('?');
        String query = q < 0 ? "" : rest.substring(q + 1);
        String path = q < 0 ? rest : rest.substring(0, q);
        int slash = path.indexOf('/');
        String authority = slash < 0 ? path : path.substring(0, slash);
        String database = slash < 0 ? "" : decode(path.substring(slash + 1));
        if (database.isEmpty()) {
            throw new ConfigurationException("the JDBC URL '" + Stores.redact(url)
                    + "' names no database; write e.g. jdbc:mysql://127.0.0.1:3306/latscope");
        }
        String user = null;
        String password = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String info = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
        }
        List<String> kept = new ArrayList<>();
        for (String param : query.isEmpty() ? new String[0] : query.split("&")) {
            int eq = param.indexOf('=');
            String key = eq < 0 ? param : param.substring(0, eq);
            String value = eq < 0 ? "" : decode(param.substring(eq + 1));
            switch (key) {
                case "user" -> user = value;
                case "password" -> password = value;
                default -> kept.add(param);
            }
        }
        if (authority.isEmpty()) {
            throw new ConfigurationException("the JDBC URL '" + Stores.redact(url) + "' names no host");
        }
        String clean = "jdbc:mysql://" + authority + "/" + path.substring(slash + 1)
                + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
        Optional<Credentials> creds = user == null || user.isBlank() ? Optional.empty()
                : Optional.of(new Credentials(user, password));
        return new MySqlUrl(clean, authority, database, creds);
    }

    /** The first host as {@code host:port}, for messages. */
    public String hostPort() {
        String first = hosts.split(",")[0];
        boolean hasPort = first.startsWith("[") ? first.contains("]:") : first.contains(":");
        return hasPort ? first : first + ":3306";
    }

    @Override
    public String toString() {
        return jdbcUrl;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
