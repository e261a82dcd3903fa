package io.latscope.agent;

import io.latscope.bpf.Feature;
import io.latscope.bpf.FeatureStatus;
import io.latscope.error.ConfigurationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The hook-set switch a benchmark flips between sessions ({@code latscope.hooks}). */
class HookPreferenceTest {
    private static final FeatureStatus ALLOWED = new FeatureStatus(Feature.FENTRY, FeatureStatus.Outcome.SUPPORTED, "");

    @AfterEach
    void clear() {
        System.clearProperty(HookPreference.PROPERTY);
    }

    @Test
    void autoByDefaultTakesStandInsOnlyWhereTheOtherHookIsMissing() {
        HookPreference h = HookPreference.current();
        assertThat(h).isEqualTo(HookPreference.AUTO);
        assertThat(h.fentry(ALLOWED).isSupported()).isTrue();
        assertThat(h.standIn(true)).isTrue();
        assertThat(h.standIn(false)).isFalse();
    }

    @Test
    void fentryTakesEveryStandInAndTracepointsNone() {
        System.setProperty(HookPreference.PROPERTY, "FENTRY");
        assertThat(HookPreference.current().standIn(false)).isTrue();
        System.setProperty(HookPreference.PROPERTY, "tracepoints");
        FeatureStatus f = HookPreference.current().fentry(ALLOWED);
        assertThat(f.isSupported()).isFalse();
        assertThat(f.reason()).isEqualTo("not used: latscope.hooks=tracepoints");
    }

    @Test
    void anyOtherValueIsAConfigurationErrorNamingTheChoices() {
        System.setProperty(HookPreference.PROPERTY, "kprobes");
        assertThatThrownBy(HookPreference::current).isInstanceOf(ConfigurationException.class)
                .hasMessage("latscope.hooks must be auto, fentry or tracepoints, got 'kprobes'");
    }
}
