package io.latscope;

import io.latscope.error.ConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/** Reads credentials from the environment or a file; never logs their values. */
final class CredentialSources {
    private static final Logger LOG = LoggerFactory.getLogger(CredentialSources.class);

    private CredentialSources() {
    }

    static Optional<Credentials> fromEnvironment(Map<String, String> env) {
        String user = env.get(Credentials.USER_ENV);
        if (user == null || user.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new Credentials(user, env.getOrDefault(Credentials.PASSWORD_ENV, "")));
    }

    static Credentials fromFile(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new ConfigurationException("cannot read the credentials file " + file + ": " + e.getMessage(), e);
        }
        warnIfShared(file);
        String user = unquote(p.getProperty("user"));
        if (user == null || user.isBlank()) {
            throw new ConfigurationException("the credentials file " + file + " has no 'user=' line");
        }
        return new Credentials(user, unquote(p.getProperty("password", "")));
    }

    static Credentials resolve(Map<String, String> env, Path home) {
        Optional<Credentials> fromEnv = fromEnvironment(env);
        if (fromEnv.isPresent()) {
            return fromEnv.get();
        }
        String named = env.get(Credentials.FILE_ENV);
        Path file = named != null && !named.isBlank() ? Path.of(named) : home.resolve(".latscope").resolve("db.properties");
        if (named != null && !named.isBlank() || Files.isRegularFile(file)) {
            return fromFile(file);
        }
        throw new ConfigurationException("no store credentials: pass them (Stores.mysql(url, Credentials.of(user, password))), set "
                + Credentials.USER_ENV + " and " + Credentials.PASSWORD_ENV + ", or write user= and password= lines to "
                + file + " (or a file named by " + Credentials.FILE_ENV + ")");
    }

    // MySQL option files allow quoted values; properties files do not need them.
    private static String unquote(String v) {
        if (v == null) {
            return null;
        }
        boolean quoted = v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"));
        return quoted ? v.substring(1, v.length() - 1) : v;
    }

    private static void warnIfShared(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warn("credentials file {} is readable by other users; chmod 600 it", file);
            }
        } catch (IOException | UnsupportedOperationException e) {
            // Not a POSIX file system: nothing to check.
        }
    }
}
