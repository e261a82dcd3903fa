package io.latscope.store;

import io.latscope.error.ConfigurationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoresTest {
    @Test
    void providersAreFoundThroughTheServiceLoader() {
        assertThat(Stores.providers()).contains("mysql", "memory");
        try (ResultStore s = Stores.of("memory:").open()) {
            s.sessionStarted(TestReports.session("x"));
            assertThat(s.session("x")).isPresent();
        }
    }

    @Test
    void unknownUrlListsTheProviders() {
        assertThatThrownBy(() -> Stores.of("postgres://db/x?password=hunter2")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("no store supports 'postgres://db/x?password=****'")
                .hasMessageContaining("mysql").hasMessageContaining("memory").hasMessageNotContaining("hunter2");
    }

    @Test
    void inMemorySpecHandsOutOneStoreSoResultsOutliveTheSession() {
        StoreSpec spec = Stores.inMemory();
        try (ResultStore s = spec.open()) {
            s.sessionStarted(TestReports.session("kept"));
            s.intervalClosed(TestReports.interval("kept", 0, 1));
        }
        assertThat(spec.open().intervals("kept")).containsExactly(TestReports.interval("kept", 0, 1));
    }

    @Test
    void mysqlSpecIsPrintableWithoutSecretsAndTakesOptions() {
        MySqlStoreSpec s = Stores.mysql("jdbc:mariadb://u:pw1@db.example:3307/latscope?password=pw2&useSSL=false",
                Credentials.of("ops", "pw3"));
        assertThat(s.jdbcUrl()).isEqualTo("jdbc:mysql://db.example:3307/latscope?useSSL=false");
        assertThat(s.toString()).doesNotContain("pw1", "pw2", "pw3").contains("password=****");
        assertThat(s.description()).isEqualTo("mysql jdbc:mysql://db.example:3307/latscope?useSSL=false as ops");

        MySqlStoreSpec o = MySqlStoreSpec.fromOptions(s.jdbcUrl(), s.credentials(), Map.of("batchRows", "250",
                "closeTimeout", "1.5s", "readOnly", "true", "maxBufferedBytes", "1_048_576"));
        assertThat(o.batchRows()).isEqualTo(250);
        assertThat(o.closeTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(o.readOnly()).isTrue();
        assertThat(o.maxBufferedBytes()).isEqualTo(1 << 20);
        assertThatThrownBy(() -> MySqlStoreSpec.fromOptions(s.jdbcUrl(), s.credentials(), Map.of("batchSize", "1")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("batchRows");
        assertThatThrownBy(() -> s.withBatchRows(0)).isInstanceOf(ConfigurationException.class);
    }

    @Test
    void redactHidesPasswordsAndUserInfo() {
        assertThat(Stores.redact("jdbc:mysql://a:b@h/db?user=x&password=y&pwd=z"))
                .isEqualTo("jdbc:mysql://****@h/db?user=x&password=****&pwd=****");
    }
}
