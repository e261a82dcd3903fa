package io.latscope;

import io.latscope.testing.TestReports;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ProvenanceTest {
    private static final Provenance P = new Provenance("checkout, run 2: a=b", 1024, Set.of(Layer.TCP, Layer.SOCKET),
            Set.of(8443, 5001), List.of("ns one", "b"), "xdp two-step", Map.of("h1", "6.1.0-28-amd64", "h2", "6.18.1"));

    @Test
    void readsBackWhatItWrites() {
        assertThat(P.toString()).startsWith("stride=1024 layers=SOCKET,TCP ports=5001,8443 scopes=ns%20one,b sync=xdp%20two-step");
        assertThat(Provenance.parse(P.toString())).isEqualTo(P);
        assertThat(Provenance.parse("garbage")).isEqualTo(Provenance.UNKNOWN);
        assertThat(Provenance.parse(Provenance.UNKNOWN.toString())).isEqualTo(Provenance.UNKNOWN);
        // whether retransmitted markers are in the histograms: recorded, read back, and "out"
        // (the default) for lines written before it was recorded
        Provenance in = new Provenance("x", 1024, Set.of(Layer.TCP), Set.of(), List.of("a"), "none", Map.of(), true);
        assertThat(in.toString()).contains(" retransmissions=in ");
        assertThat(Provenance.parse(in.toString())).isEqualTo(in);
        assertThat(Provenance.parse("stride=1024 layers=TCP ports=any scopes=a sync=none kernels= label=x")
                .retransmissionsIncluded()).isFalse();
        assertThat(Provenance.of(LatScope.builder().includeRetransmissions(true).build(), Map.of()).retransmissionsIncluded())
                .isTrue();
    }

    @Test
    void aSpecGivesWhatItMeasuresWith() {
        Provenance p = Provenance.of(LatScope.builder().ports(5001).stride(4096).label("x").build(), Map.of("local", "6.18"));
        assertThat(p.strideBytes()).isEqualTo(4096);
        assertThat(p.layers()).containsExactlyInAnyOrder(Layer.values());
        assertThat(p.scopes()).containsExactly("self");
        assertThat(p.sync()).isEqualTo("none");
        assertThat(p.kernels()).containsEntry("local", "6.18");
    }

    /**
     * Review finding: a run on one host whose spec named a clock sync said {@code
     * sync=user-space udp} in its report, while nothing was synced (one host has one clock).
     */
    @Test
    void aSessionOnOneHostSaysNoSyncWhateverItsSpecNamed() {
        SessionSpec local = LatScope.builder().ports(5001).sync(SyncSpec.userSpace()).build();
        assertThat(Provenance.of(local, Map.of("local", "6.18")).sync()).isEqualTo("none");
        SessionSpec remote = LatScope.builder().redis("redis://10.0.0.9:6379/0").sync(SyncSpec.userSpace())
                .syncReference(Namespace.current(), "eth0", "10.0.0.9")
                .hosts(Host.ssh("10.0.0.1").label("h1"), Host.ssh("10.0.0.2").label("h2")).build();
        assertThat(Provenance.of(remote, Map.of()).sync()).isEqualTo("user-space udp");
    }

    @Test
    void reportsCarryItInTheirTextTheirHlogAndThroughMergeAndSince() {
        LatencyReport r = LatencyReport.builder("s").period(TestReports.T0, TestReports.T0.plusSeconds(1)).provenance(P)
                .hop(Hop.TX_TCP, TestReports.histogramOf(1000, 2000)).build();
        // the text report prints values as they are; the .hlog header keeps the line that parses back
        assertThat(r.toString()).contains("measured with " + P.display()).contains("sync=xdp two-step")
                .doesNotContain("%20");
        ByteArrayOutputStream hlog = new ByteArrayOutputStream();
        r.writeHlog(hlog);
        assertThat(hlog.toString(StandardCharsets.UTF_8)).contains("#measured with " + P);
        assertThat(LatencyReport.merge("s", r.start(), r.end(), List.of(
                LatencyReport.builder("s").period(r.start(), r.end()).interval(true).provenance(P).build())).provenance())
                .isEqualTo(P);
        assertThat(r.since(LatencyReport.builder("s").period(r.start(), r.start()).provenance(P).build()).provenance())
                .isEqualTo(P);
    }
}
