package io.latscope.store.mysql;

import io.latscope.error.StoreException;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the driver's exceptions into messages that name the cause and what to do. Server
 * messages never contain a password ("using password: YES" at most), so they are quoted.
 */
final class SqlErrors {
    static final int ACCESS_DENIED = 1045;
    static final int DB_ACCESS_DENIED = 1044;
    static final int BAD_DB = 1049;
    static final int TABLE_ACCESS_DENIED = 1142;
    static final int COLUMN_ACCESS_DENIED = 1143;
    static final int SPECIFIC_ACCESS_DENIED = 1227;
    static final int HOST_NOT_PRIVILEGED = 1130;
    private static final Pattern COMMAND_DENIED = Pattern.compile("(\\w+(?:, \\w+)*) command denied to user '([^']*)'@'([^']*)' for table (\\S+)");
    static final String WRITER_GRANT = "SELECT, INSERT, UPDATE, CREATE, ALTER, INDEX";

    private SqlErrors() {
    }

    /** An exception for the caller: {@code what} failed against {@code url} as {@code user}, and why. */
    static StoreException describe(String what, SQLException e, MySqlUrl url, String user) {
        String where = url.hostPort();
        String db = url.database();
        String cause = switch (e.getErrorCode()) {
            case ACCESS_DENIED -> "authentication failed for user '" + user + "' at " + where + " (" + server(e)
                    + "); check the password passed to Stores.mysql(url, credentials), or in LATSCOPE_DB_PASSWORD"
                    + " or the credentials file";
            case BAD_DB -> "database '" + db + "' does not exist at " + where + "; create it with CREATE DATABASE `" + db
                    + "` CHARACTER SET utf8mb4, then GRANT " + WRITER_GRANT + " ON `" + db + "`.* TO '" + user + "'";
            case DB_ACCESS_DENIED -> "user '" + user + "' has no privileges on database '" + db + "' at " + where + " ("
                    + server(e) + "); GRANT " + WRITER_GRANT + " ON `" + db + "`.* TO '" + user + "' (SELECT alone to read)";
            case TABLE_ACCESS_DENIED, COLUMN_ACCESS_DENIED, SPECIFIC_ACCESS_DENIED -> privilege(e, url, user);
            case HOST_NOT_PRIVILEGED -> "the server at " + where + " does not let user '" + user + "' connect from this host ("
                    + server(e) + "); create the user for this host";
            default -> isConnectionProblem(e) ? "cannot reach MySQL/MariaDB at " + where + " (" + rootCause(e)
                    + "); is the server running, and are host and port right?" : summary(e);
        };
        return new StoreException(what + ": " + cause, e);
    }

    /** One line for health reports and logs: the error code and server message, or the network cause. */
    static String summary(Throwable t) {
        if (t instanceof SQLException e) {
            if (isConnectionProblem(e)) {
                return "database unreachable: " + rootCause(e);
            }
            return "MySQL error " + e.getErrorCode() + " (SQLState " + e.getSQLState() + "): " + server(e);
        }
        return t.toString();
    }

    /** Lost or refused connections, timeouts waiting for one: worth retrying as they are. */
    static boolean isConnectionProblem(SQLException e) {
        String state = e.getSQLState();
        return state != null && state.startsWith("08") || e instanceof SQLTransientConnectionException
                || e instanceof SQLRecoverableException || e.getCause() instanceof SQLException c && isConnectionProblem(c);
    }

    private static String privilege(SQLException e, MySqlUrl url, String user) {
        Matcher m = COMMAND_DENIED.matcher(server(e));
        String db = url.database();
        if (m.find()) {
            // MariaDB names every missing one ("INSERT, UPDATE command denied"), MySQL the first.
            String command = m.group(1).toUpperCase(java.util.Locale.ROOT);
            String noun = command.contains(",") ? " privileges" : " privilege";
            String[] parts = m.group(4).replaceAll("[`'\"]", "").split("\\.");
            return "user '" + user + "' lacks the " + command + noun + " on `" + db + "`.`" + parts[parts.length - 1] + "` ("
                    + server(e) + "); LatScope needs " + WRITER_GRANT + " to write: GRANT " + WRITER_GRANT + " ON `" + db
                    + "`.* TO '" + user + "', or open the store read-only (MySqlStoreSpec.asReadOnly())";
        }
        return "user '" + user + "' lacks a privilege on database '" + db + "' (" + server(e) + "); LatScope needs "
                + WRITER_GRANT + " to write, SELECT to read";
    }

    private static String server(SQLException e) {
        String m = e.getMessage();
        return m == null ? "no message" : m.lines().findFirst().orElse("").strip();
    }

    private static String rootCause(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        String m = r.getMessage() == null ? r.getClass().getSimpleName() : r.getMessage().lines().findFirst().orElse("");
        return m.strip();
    }
}
