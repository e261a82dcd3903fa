package io.latscope.store.mysql;

import io.latscope.error.ConfigurationException;
import io.latscope.Credentials;
import io.latscope.store.ResultStore;
import io.latscope.error.StoreException;
import io.latscope.store.Stores;
import io.latscope.testing.TestReports;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Opening a store that cannot work fails at once, naming the cause and what to do; no
 * password ever shows in a message, a description or the log.
 */
class MySqlStoreErrorsTest {
    private static TestDatabase db;
    private static LogCapture log;
    private static final List<String> passwords = new ArrayList<>();
    @TempDir
    static Path spill;

    @BeforeAll
    static void setUp() {
        log = new LogCapture();
        db = TestDatabase.onSystemMariaDb();
        // The schema exists, so the privilege tests meet the data-writing statements.
        try (ResultStore s = spec(db.url(), db.admin()).open()) {
            s.sessionStarted(TestReports.session("existing"));
            s.intervalClosed(TestReports.interval("existing", 0, 1));
        }
    }

    @AfterAll
    static void tearDown() throws SQLException {
        db.close();
        log.close();
        String text = log.text();
        // The capture saw the store's own log lines, so an empty capture cannot pass this.
        assertThat(text).contains("latscope-store-" + db.name());
        for (String p : passwords) {
            assertThat(text).as("the log").doesNotContain(p);
        }
    }

    private static MySqlStoreSpec spec(String url, Credentials c) {
        passwords.add(c.password().isEmpty() ? "\u0000never" : c.password());
        return MySqlStoreSpec.of(Stores.mysql(url, c)).withSpillDirectory(spill).withConnectTimeout(Duration.ofSeconds(2));
    }

    @Test
    void wrongPasswordSaysAuthenticationFailedForTheUserAtHostAndPort() throws SQLException {
        Credentials real = db.createUser("ALL");
        Credentials wrong = Credentials.of(real.user(), "Wr0ng-" + TestDatabase.randomHex());
        MySqlStoreSpec spec = spec(db.url(), wrong);
        assertThatThrownBy(spec::open).isInstanceOf(StoreException.class)
                .hasMessageContaining("authentication failed for user '" + real.user() + "' at 127.0.0.1:3306")
                .hasMessageContaining("Access denied")
                .hasMessageNotContaining(wrong.password());
        assertThat(spec.toString()).doesNotContain(wrong.password()).contains("****");
        assertThat(spec.description()).doesNotContain(wrong.password());
    }

    @Test
    void unknownDatabaseIsNamedWithHowToCreateIt() {
        String missing = "latscope_missing_" + TestDatabase.randomHex();
        assertThatThrownBy(() -> spec("jdbc:mysql://127.0.0.1:3306/" + missing, db.admin()).open())
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("database '" + missing + "' does not exist at 127.0.0.1:3306")
                .hasMessageContaining("CREATE DATABASE `" + missing + "`");
    }

    @Test
    void readOnlyUserIsToldWhichPrivilegeIsMissingAndCanStillRead() throws SQLException {
        Credentials reader = db.createUser("SELECT");
        assertThatThrownBy(() -> spec(db.url(), reader).open()).isInstanceOf(StoreException.class)
                .hasMessageContaining("user '" + reader.user() + "' lacks the INSERT")
                .hasMessageContaining(" on `" + db.name() + "`.`sessions`")
                .hasMessageContaining("GRANT SELECT, INSERT, UPDATE")
                .hasMessageContaining("asReadOnly()")
                .hasMessageNotContaining(reader.password());

        try (ResultStore store = spec(db.url(), reader).asReadOnly().open()) {
            assertThat(store.intervals("existing")).containsExactly(TestReports.interval("existing", 0, 1));
            assertThatThrownBy(() -> store.sessionStarted(TestReports.session("not-allowed")))
                    .isInstanceOf(ConfigurationException.class).hasMessageContaining("read-only");
        }
    }

    @Test
    void userWhoMayNotCreateTablesIsToldSoOnAnEmptyDatabase() throws SQLException {
        try (TestDatabase empty = TestDatabase.onSystemMariaDb()) {
            Credentials writer = empty.createUser("SELECT, INSERT, UPDATE");
            assertThatThrownBy(() -> spec(empty.url(), writer).open()).isInstanceOf(StoreException.class)
                    .hasMessageContaining("lacks the CREATE privilege");
            assertThatThrownBy(() -> spec(empty.url(), writer).asReadOnly().open()).isInstanceOf(StoreException.class)
                    .hasMessageContaining("holds no LatScope results yet");
        }
    }

    @Test
    void unreachableServerAtStartIsAClearErrorNotAHang() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> spec("jdbc:mysql://127.0.0.1:" + port + "/latscope", db.admin()).open())
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot reach MySQL/MariaDB at 127.0.0.1:" + port)
                .hasMessageContaining("Connection refused")
                .hasMessageContaining("is the server running");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void passwordInTheUrlIsMovedOutOfItAndNeverPrinted() throws SQLException {
        Credentials user = db.createUser("ALL");
        passwords.add(user.password());
        String url = db.url() + "?user=" + user.user() + "&password=" + user.password() + "&connectTimeout=3000";
        MySqlStoreSpec spec = MySqlStoreSpec.of(Stores.mysql(url)).withSpillDirectory(spill);
        assertThat(spec.jdbcUrl()).doesNotContain(user.password()).contains("connectTimeout=3000");
        assertThat(spec.credentials().password()).isEqualTo(user.password());
        try (ResultStore store = spec.open()) {
            assertThat(store.description()).doesNotContain(user.password()).contains(user.user());
            assertThat(store.session("existing")).isPresent();
        }
    }
}
