package io.latscope.testbed;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CmdTest {
    /** A command that will not start names itself and, where the test bed knows it, the package to install. */
    @Test
    void aCommandThatCannotStartNamesThePackageToInstall() {
        assertThatThrownBy(() -> Cmd.run("/nonexistent/modprobe", "tcp_bbr"))
                .hasMessageContaining("cannot run /nonexistent/modprobe").hasMessageContaining("apt-get install kmod");
        assertThatThrownBy(() -> Cmd.run("/nonexistent/sockperf", "--help"))
                .hasMessageContaining("apt-get install sockperf");
        assertThatThrownBy(() -> Cmd.run("latscope-no-such-command"))
                .hasMessageContaining("cannot run latscope-no-such-command (is it installed and on the PATH?)");
    }

    /** stdout and stderr are read at once: a command that fills its stderr pipe while stdout is read does not hang. */
    @Test
    void aCommandThatFillsItsStderrPipeFinishes() {
        Cmd.Result r = Cmd.exec(java.util.List.of("sh", "-c", "head -c 300000 /dev/zero | tr '\\0' e >&2; echo done"));
        assertThat(r.exit()).isZero();
        assertThat(r.stdout()).isEqualTo("done\n");
        assertThat(r.stderr()).hasSize(300_000);
    }
}
