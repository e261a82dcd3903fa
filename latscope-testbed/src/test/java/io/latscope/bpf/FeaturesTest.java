package io.latscope.bpf;

import io.latscope.testbed.KernelTest;
import io.latscope.error.NotSupportedException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@KernelTest
class FeaturesTest {

    @Test
    void tracepointsAndNetworkingProgramTypesAreSupported() {
        for (Feature f : new Feature[] {Feature.TP_BTF, Feature.RAW_TRACEPOINT, Feature.TRACEPOINT, Feature.XDP,
                Feature.TC, Feature.CGROUP_SKB, Feature.SOCKOPS, Feature.RINGBUF}) {
            FeatureStatus s = Features.probe(f);
            assertThat(s.outcome()).as(s.toString()).isEqualTo(FeatureStatus.Outcome.SUPPORTED);
        }
    }

    @Test
    void kprobeSupportMatchesTheKernelConfiguration() {
        // CONFIG_KPROBES shows as the kprobe PMU; without it libbpf cannot attach kprobes at all.
        boolean kernelHasKprobes = Files.exists(Path.of("/sys/bus/event_source/devices/kprobe"));
        FeatureStatus s = Features.probe(Feature.KPROBE);
        assertThat(s.isDefinite()).as(s.toString()).isTrue();
        assertThat(s.isSupported()).as(s.toString()).isEqualTo(kernelHasKprobes);
        if (!s.isSupported()) {
            assertThat(s.reason()).isNotBlank();
        }
    }

    @Test
    void fentryGetsADefiniteAnswerWithAReason() {
        FeatureStatus s = Features.probe(Feature.FENTRY);
        assertThat(s.isDefinite()).as(s.toString()).isTrue();
        if (!s.isSupported()) {
            assertThat(s.reason()).as("reason names the kernel's error").containsAnyOf("EPERM", "ENOTSUPP", "EOPNOTSUPP",
                    "EINVAL", "ESRCH", "ENOENT");
            assertThatThrownBy(() -> Features.require(Feature.FENTRY)).isInstanceOf(NotSupportedException.class)
                    .hasMessageContaining("fentry");
        }
    }

    @Test
    void definiteAnswersAreCachedAndProbesLeaveNothingAttached() {
        FeatureStatus first = Features.probe(Feature.NETFILTER);
        assertThat(Features.probe(Feature.NETFILTER)).isSameAs(first);
        assertThat(Features.probeAll()).hasSize(Feature.values().length);
        // KernelLeakCheck verifies no BPF descriptors are left after this test.
    }

    @Test
    void probingSeveralAfreshAnswersEachAndKeepsTheDefiniteAnswers() {
        java.util.Map<Feature, FeatureStatus> fresh = Features.probeAfresh(java.util.EnumSet.of(Feature.TP_BTF,
                Feature.SOCKOPS, Feature.FENTRY));
        assertThat(fresh).containsOnlyKeys(Feature.TP_BTF, Feature.SOCKOPS, Feature.FENTRY);
        assertThat(fresh.get(Feature.SOCKOPS).isSupported()).as(fresh.toString()).isTrue();
        fresh.forEach((f, s) -> {
            if (s.isDefinite()) {
                assertThat(Features.probe(f)).as(f + " is kept").isSameAs(s);
            }
        });
    }
}
