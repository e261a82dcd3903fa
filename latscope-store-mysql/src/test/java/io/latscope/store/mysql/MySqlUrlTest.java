package io.latscope.store.mysql;

import io.latscope.error.ConfigurationException;
import io.latscope.Credentials;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MySqlUrlTest {
    @Test
    void plainUrl() {
        MySqlUrl u = MySqlUrl.parse("jdbc:mysql://127.0.0.1/latscope");
        assertThat(u.jdbcUrl()).isEqualTo("jdbc:mysql://127.0.0.1/latscope");
        assertThat(u.hostPort()).isEqualTo("127.0.0.1:3306");
        assertThat(u.database()).isEqualTo("latscope");
        assertThat(u.credentials()).isEmpty();
    }

    @Test
    void mariadbSchemeAndCredentialsAreTakenOut() {
        MySqlUrl u = MySqlUrl.parse("jdbc:mariadb://ops:p%40ss@[fd00::1]:3307/db?user=other&connectTimeout=100&password=x%26y");
        assertThat(u.jdbcUrl()).isEqualTo("jdbc:mysql://[fd00::1]:3307/db?connectTimeout=100");
        assertThat(u.hostPort()).isEqualTo("[fd00::1]:3307");
        // Query parameters come after the user info, so they win, as they do in the driver.
        assertThat(u.credentials()).contains(Credentials.of("other", "x&y"));
        assertThat(MySqlUrl.parse("jdbc:mysql://ops:p%40ss@h/db").credentials()).contains(Credentials.of("ops", "p@ss"));
    }

    @Test
    void badUrlsSayWhatToWrite() {
        assertThatThrownBy(() -> MySqlUrl.parse("jdbc:postgresql://h/db")).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("jdbc:mysql://127.0.0.1:3306/latscope");
        assertThatThrownBy(() -> MySqlUrl.parse("jdbc:mysql://h:3306/")).hasMessageContaining("names no database");
        assertThatThrownBy(() -> MySqlUrl.parse("jdbc:mysql://u:secret@h:3306")).hasMessageContaining("names no database")
                .hasMessageNotContaining("secret");
    }
}
