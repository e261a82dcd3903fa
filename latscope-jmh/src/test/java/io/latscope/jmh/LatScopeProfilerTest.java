package io.latscope.jmh;

import io.latscope.testbed.KernelTest;
import io.latscope.testbed.Cmd;
import io.latscope.testbed.TestNetwork;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.profile.Profiler;
import org.openjdk.jmh.profile.ProfilerException;
import org.openjdk.jmh.profile.ProfilerFactory;
import org.openjdk.jmh.runner.options.ProfilerConfig;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How JMH finds, makes and refuses the profiler. A whole benchmark run is in latscope-examples' EchoBenchmarkTest. */
@KernelTest
class LatScopeProfilerTest {

    static Profiler make(String options) throws ProfilerException {
        return ProfilerFactory.getProfilerOrException(new ProfilerConfig(LatScopeProfiler.class.getName(), options));
    }

    @Test
    void jmhFindsItThroughServiceLoaderAndMakesItWithItsOptions() throws Exception {
        assertThat(ServiceLoader.load(Profiler.class).stream().map(ServiceLoader.Provider::type))
                .contains(LatScopeProfiler.class);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProfilerFactory.listProfilers(new PrintStream(out, true, StandardCharsets.UTF_8));
        String list = out.toString(StandardCharsets.UTF_8);
        assertThat(list.substring(0, list.indexOf("Unsupported profilers:") < 0 ? list.length() : list.indexOf("Unsupported profilers:")))
                .contains("io.latscope.jmh.LatScopeProfiler: LatScope: per-hop network latency percentiles per iteration")
                .contains("(discovered)");
        try (TestNetwork net = TestNetwork.create()) {
            net.namespace("a");
            String ns = net.nsName("a");
            assertThat(make("layers=SOCKET,TCP,IP;ports=5001,5002;namespaces=" + ns + ";stride=4096;percentiles=50,99.9;"
                    + "hops=tx.TCP,END_TO_END;scoped=false;table=true")).isInstanceOf(LatScopeProfiler.class);
        }
        assertThat(make("")).isInstanceOf(LatScopeProfiler.class);
        assertThat(make("namespaces=all")).isInstanceOf(LatScopeProfiler.class);
    }

    @Test
    void aMistakeInTheOptionsFailsBeforeTheRunWithWhatIsWrong() {
        assertThatThrownBy(() -> make("layer=TCP")).isInstanceOf(ProfilerException.class)
                .hasMessageContaining("LatScope profiler: unknown option 'layer'; options are: layers=SOCKET,TCP,IP,DEV,VETH");
        assertThatThrownBy(() -> make("layers=TCP,ETH")).hasMessageContaining("unknown layer 'ETH'; layers are [SOCKET, TCP, IP, DEV, VETH]");
        assertThatThrownBy(() -> make("ports=http")).hasMessageContaining("option ports: 'http' is not a whole number");
        assertThatThrownBy(() -> make("ports=70000")).hasMessageContaining("port 70000 is out of range");
        assertThatThrownBy(() -> make("stride=1000")).hasMessageContaining("stride 1000 must be a power of two");
        assertThatThrownBy(() -> make("namespaces=no-such-ns")).hasMessageContaining("network namespace 'no-such-ns' does not exist");
        assertThatThrownBy(() -> make("percentiles=0")).hasMessageContaining("option percentiles: 0 is not in (0, 100]");
        assertThatThrownBy(() -> make("hops=tx.ETH")).hasMessageContaining("unknown hop 'tx.ETH'");
        assertThatThrownBy(() -> make("table")).hasMessageContaining("option 'table' has no value");
        assertThatThrownBy(() -> make("table=maybe")).hasMessageContaining("option table: 'maybe' is not true or false");
    }

    @Test
    void withoutPrivilegesTheProfilerRefusesWithWhatIsMissing() {
        Cmd.Result r = Cmd.exec(List.of("setpriv", "--bounding-set=-all", "--inh-caps=-all",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), NoBpfMain.class.getName()));
        assertThat(r.exit()).as(r.stdout() + r.stderr()).isEqualTo(3);
        assertThat(r.stdout()).startsWith("ProfilerException: LatScope profiler needs eBPF, and this machine lacks it:"
                + " the process lacks privileges: run as root");
    }

    @Test
    void theDiscoveryInstanceIsNotForRunning() {
        assertThat(new LatScopeProfiler().getDescription()).contains("percentiles=50,99");
        assertThatThrownBy(() -> new LatScopeProfiler().beforeIteration(null, null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("(String) constructor");
    }
}
