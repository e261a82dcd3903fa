package io.latscope;

import io.latscope.error.ConfigurationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CredentialsTest {
    @TempDir
    Path home;

    @Test
    void toStringNeverShowsThePassword() {
        assertThat(Credentials.of("ops", "s3cret!").toString()).isEqualTo("Credentials[user=ops, password=****]")
                .doesNotContain("s3cret");
        assertThat(Credentials.of("ops", null).toString()).isEqualTo("Credentials[user=ops, password=(none)]");
        assertThatThrownBy(() -> Credentials.of(" ", "x")).isInstanceOf(ConfigurationException.class);
    }

    @Test
    void environmentComesFirst() throws IOException {
        writeFile(home.resolve(".latscope/db.properties"), "user=fromfile\npassword=f\n");
        Credentials c = Credentials.resolve(Map.of(Credentials.USER_ENV, "fromenv", Credentials.PASSWORD_ENV, "e"), home);
        assertThat(c).isEqualTo(Credentials.of("fromenv", "e"));
        assertThat(Credentials.resolve(Map.of(Credentials.USER_ENV, "nopass"), home).password()).isEmpty();
    }

    @Test
    void thenTheNamedFileThenTheDefaultFile() throws IOException {
        Path named = home.resolve("creds.cnf");
        // A MySQL option file's [client] section reads the same; quotes are taken off.
        writeFile(named, "[client]\nuser = ops\npassword = \"p w=#\"\n");
        assertThat(Credentials.resolve(Map.of(Credentials.FILE_ENV, named.toString()), home))
                .isEqualTo(Credentials.of("ops", "p w=#"));

        writeFile(home.resolve(".latscope/db.properties"), "user=fromfile\npassword=f\n");
        assertThat(Credentials.resolve(Map.of(), home)).isEqualTo(Credentials.of("fromfile", "f"));
    }

    @Test
    void nothingFoundNamesEveryPlaceItLooked() {
        assertThatThrownBy(() -> Credentials.resolve(Map.of(), home)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining(Credentials.USER_ENV).hasMessageContaining(Credentials.PASSWORD_ENV)
                .hasMessageContaining(home.resolve(".latscope/db.properties").toString())
                .hasMessageContaining(Credentials.FILE_ENV);
    }

    @Test
    void fileWithoutUserOrMissingFileIsAClearError() throws IOException {
        Path f = home.resolve("bad.properties");
        writeFile(f, "password=only\n");
        assertThatThrownBy(() -> Credentials.fromFile(f)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("no 'user=' line").hasMessageNotContaining("only");
        assertThatThrownBy(() -> Credentials.fromFile(home.resolve("missing"))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("cannot read the credentials file");
    }

    private static void writeFile(Path p, String text) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }
}
