package io.latscope.store;

import io.latscope.testing.TestReports;
import io.latscope.StoreSpec;
import io.latscope.error.ConfigurationException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoresTest {
    @Test
    void providersAreFoundThroughTheServiceLoader() {
        assertThat(Stores.providers()).contains("memory");
        try (ResultStore s = Stores.open(Stores.of("memory:x"))) {
            s.sessionStarted(TestReports.session("x"));
            assertThat(s.session("x")).isPresent();
        }
    }

    @Test
    void unknownUrlListsTheProviders() {
        assertThatThrownBy(() -> Stores.of("postgres://db/x?password=hunter2")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("no store supports 'postgres://db/x?password=****'")
                .hasMessageContaining("memory").hasMessageNotContaining("hunter2");
    }

    @Test
    void inMemorySpecHandsOutOneStoreSoResultsOutliveTheSession() {
        StoreSpec spec = Stores.inMemory();
        try (ResultStore s = Stores.open(spec)) {
            s.sessionStarted(TestReports.session("kept"));
            s.intervalClosed(TestReports.interval("kept", 0, 1));
        }
        assertThat(Stores.open(spec).intervals("kept")).containsExactly(TestReports.interval("kept", 0, 1));
    }

    @Test
    void mysqlWithoutItsModuleSaysWhichDependencyToAdd() {
        assertThatThrownBy(() -> Stores.mysql("jdbc:mysql://127.0.0.1:3306/x", io.latscope.Credentials.of("u", "p")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("io.latscope:latscope-store-mysql");
    }

    @Test
    void redactHidesPasswordsAndUserInfo() {
        assertThat(Stores.redact("jdbc:mysql://a:b@h/db?user=x&password=y&pwd=z"))
                .isEqualTo("jdbc:mysql://****@h/db?user=x&password=****&pwd=****");
    }
}
