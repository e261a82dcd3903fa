package io.latscope.agent;

import io.latscope.error.ConfigurationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which ways to the write's entry a session tries, in order ({@value WriteEntry#PROPERTY}). */
class WriteEntryChoiceTest {

    @AfterEach
    void clearProperty() {
        System.clearProperty(WriteEntry.PROPERTY);
    }

    @Test
    void autoTakesTrampolinesFirstThenTheFirstCopyThenSysEnter() {
        assertThat(WriteEntry.candidates(true)).containsExactly(WriteEntry.FENTRY, WriteEntry.FIRST_COPY, WriteEntry.SYS_ENTER);
        assertThat(WriteEntry.candidates(false)).containsExactly(WriteEntry.FIRST_COPY, WriteEntry.SYS_ENTER);
        System.setProperty(WriteEntry.PROPERTY, " AUTO ");
        assertThat(WriteEntry.candidates(false)).containsExactly(WriteEntry.FIRST_COPY, WriteEntry.SYS_ENTER);
    }

    @Test
    void aNamedWayIsTheOnlyOneTried() {
        System.setProperty(WriteEntry.PROPERTY, "sys_enter");
        assertThat(WriteEntry.candidates(true)).containsExactly(WriteEntry.SYS_ENTER);
        System.setProperty(WriteEntry.PROPERTY, "first_copy");
        assertThat(WriteEntry.candidates(true)).containsExactly(WriteEntry.FIRST_COPY);
        System.setProperty(WriteEntry.PROPERTY, "fentry");
        assertThat(WriteEntry.candidates(true)).containsExactly(WriteEntry.FENTRY);
        assertThat(WriteEntry.candidates(false)).as("no trampolines: the copy itself").isEmpty();
    }

    @Test
    void anUnknownWayIsRefusedByName() {
        System.setProperty(WriteEntry.PROPERTY, "kprobe");
        assertThatThrownBy(() -> WriteEntry.candidates(false)).isInstanceOf(ConfigurationException.class)
                .hasMessage("latscope.writeEntry must be auto, fentry, first-copy or sys_enter, got 'kprobe'");
    }

    @Test
    void everyWaysProgramsAreKnown() {
        assertThat(WriteEntry.allPrograms()).containsExactly("tx_sock_end", "tx_sock_begin", "tx_sock_done", "tx_sock_wait", "sys_enter");
        assertThat(List.of(WriteEntry.values())).allSatisfy(e -> assertThat(e.boundary).isNotBlank());
    }
}
