package io.latscope.store.mysql;

import io.latscope.Credentials;
import io.latscope.StoreSpec;
import io.latscope.error.ConfigurationException;
import io.latscope.store.Stores;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MySqlStoreSpecTest {
    @Test
    void theProviderIsFoundThroughTheServiceLoader() {
        assertThat(Stores.providers()).contains("mysql", "memory");
    }

    @Test
    void mysqlSpecIsPrintableWithoutSecretsAndTakesOptions() {
        MySqlStoreSpec s = MySqlStoreSpec.of(Stores.mysql("jdbc:mariadb://u:pw1@db.example:3307/latscope?password=pw2&useSSL=false",
                Credentials.of("ops", "pw3")));
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
    void aSpecSurvivesTheRoundTripThroughItsPlainForm() {
        StoreSpec plain = Stores.of("jdbc:mysql://db:3306/x", Credentials.of("ops", "pw"), Map.of("batchRows", "10"));
        assertThat(plain.options()).containsEntry("batchRows", "10");
        assertThat(MySqlStoreSpec.of(plain).batchRows()).isEqualTo(10);
        assertThat(MySqlStoreSpec.of(plain).toStoreSpec()).isEqualTo(plain);
        assertThat(plain.toString()).doesNotContain("pw");
        assertThatThrownBy(() -> Stores.of("jdbc:mysql://db:3306/x", Credentials.of("ops", "pw"), Map.of("batchRows", "0")))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("batchRows");
        assertThatThrownBy(() -> Stores.open(plain.with("batchRows", 0))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("batchRows");
    }
}
