package io.latscope.cli;

import io.latscope.testbed.KernelTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher's start-up cache: the first watch as root trains a JDK AOT cache for the build
 * (once, saying so), later commands start with it, and LATSCOPE_AOT=off leaves it alone.
 */
@KernelTest
class StartupCacheTest {
    private static final Path AOT = Latscope.LAUNCHER.toAbsolutePath().getParent().resolve("aot");
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    @Test
    void theFirstWatchTrainsTheCacheOnceAndLaterOnesStartWithIt() throws Exception {
        deleteAot();
        Latscope.Result off = Latscope.run(Map.of("LATSCOPE_AOT", "off"), TIMEOUT, "watch", "--ports", "5998", "--duration", "1s");
        assertThat(off.exit()).as(off.err()).isZero();
        assertThat(off.err()).doesNotContain("start-up cache");
        assertThat(AOT).doesNotExist();

        Latscope.Result first = Latscope.run(Map.of("LATSCOPE_AOT", "on"), TIMEOUT, "watch", "--ports", "5998", "--duration", "1s");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.err()).contains("latscope: training a start-up cache for this build");
        // the training JVM prints its cache's assembly on stdout: none of it in the command's
        assertThat(first.out()).as("the training run's output is not the command's")
                .doesNotContain("AOTConfiguration", "AOTCache", "Launching child process")
                .contains("latscope watch:");
        assertThat(caches()).hasSize(1);

        // -Xlog:aot after the launcher's own -Xlog:aot=off: the JVM says which cache it opened
        Latscope.Result second = Latscope.run(Map.of("LATSCOPE_AOT", "on", "LATSCOPE_JAVA_OPTS", "-Xlog:aot=info"), TIMEOUT,
                "watch", "--ports", "5998", "--duration", "1s");
        assertThat(second.exit()).as(second.err()).isZero();
        assertThat(second.err()).doesNotContain("training");
        assertThat(second.out()).contains("Opened AOT cache " + caches().getFirst());

        // other subcommands never train
        deleteAot();
        Latscope.Result doctor = Latscope.run(Map.of("LATSCOPE_AOT", "on"), TIMEOUT, "doctor");
        assertThat(doctor.err()).doesNotContain("start-up cache");
        assertThat(AOT).doesNotExist();
    }

    private static List<Path> caches() throws Exception {
        try (Stream<Path> s = Files.list(AOT)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".aot")).toList();
        }
    }

    private static void deleteAot() throws Exception {
        if (Files.exists(AOT)) {
            try (Stream<Path> s = Files.walk(AOT)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
