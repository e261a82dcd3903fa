package io.latscope.remote;

import io.latscope.testbed.Cmd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pieces of deployment that need no host: command quoting, Java versions, deterministic jars. */
class SshCommandTest {

    @Test
    void theAgentCommandPrintsItsPidTakesItsEnvironmentFromStdinAndRunsEveryWordExactlyAsGiven() throws Exception {
        // "java" is sh here, so the words and the environment it receives can be printed back, and the rest of stdin
        AgentLaunch launch = new AgentLaunch(List.of(Path.of("/x")), "some.Main",
                List.of("-c", "printf '[%s]\\n' \"$K\" \"$EMPTY\" \"$@\"; cat", "sh"),
                List.of("two words", "it's", "$HOME", "back\\slash", "*", ""), Map.of("K", "v $x 'q' \"d\"", "EMPTY", ""),
                l -> { });
        String cmd = SshDeployer.command("/bin/sh", false, List.of("/c/a b.jar", "/c/d'e.jar"), launch);
        assertThat(cmd).doesNotContain("v $x");
        Process p = new ProcessBuilder("/bin/sh", "-c", cmd).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(SshDeployer.environmentBlock(launch.env()));
            in.write("rest of stdin\n".getBytes(StandardCharsets.UTF_8));
        }
        List<String> out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(p.waitFor()).isZero();
        assertThat(out.getFirst()).matches("latscope-pid [0-9]+");
        assertThat(out.subList(1, out.size())).containsExactly("[v $x 'q' \"d\"]", "[]", "[-cp]", "[/c/a b.jar:/c/d'e.jar]",
                "[some.Main]", "[two words]", "[it's]", "[$HOME]", "[back\\slash]", "[*]", "[]", "rest of stdin");
        assertThat(SshDeployer.command("/j/bin/java", true, List.of("/c/a.jar"), launch)).contains("exec sudo -n /bin/sh -c");
    }

    @Test
    void javaVersionsAndChoice() {
        assertThat(HostProbe.featureOf("25.0.3")).isEqualTo(25);
        assertThat(HostProbe.featureOf("1.8.0_412")).isEqualTo(8);
        assertThat(HostProbe.featureOf("26-ea")).isEqualTo(26);
        assertThat(HostProbe.featureOf("missing")).isEqualTo(-1);
        List<String> found = List.of("/usr/bin/java 17.0.15", "/opt/jdk/bin/java missing", "/usr/lib/jvm/x-25/bin/java 25.0.1",
                "/usr/lib/jvm/y-26/bin/java 26");
        assertThat(HostProbe.chooseJava(found, 25)).isEqualTo("/usr/lib/jvm/x-25/bin/java");
        assertThat(HostProbe.chooseJava(found, 26)).isEqualTo("/usr/lib/jvm/y-26/bin/java");
        assertThat(HostProbe.chooseJava(found, 27)).isNull();
    }

    @Test
    void aDirectoryPacksIntoTheSameJarWhateverItsTimestampsAndADifferentOneWhenItsContentChanges(@TempDir Path tmp)
            throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("classes"));
        Files.createDirectories(dir.resolve("a/b"));
        Files.writeString(dir.resolve("a/b/C.class"), "class bytes");
        Files.writeString(dir.resolve("r.txt"), "resource");
        String first = ClassPathUpload.sha256(ClassPathUpload.pack(dir, tmp.resolve("1.jar")));
        Files.setLastModifiedTime(dir.resolve("r.txt"), FileTime.fromMillis(0));
        Files.setLastModifiedTime(dir.resolve("a/b/C.class"), FileTime.fromMillis(123_456_789_000L));
        assertThat(ClassPathUpload.sha256(ClassPathUpload.pack(dir, tmp.resolve("2.jar")))).isEqualTo(first);
        Files.writeString(dir.resolve("r.txt"), "changed");
        assertThat(ClassPathUpload.sha256(ClassPathUpload.pack(dir, tmp.resolve("3.jar")))).isNotEqualTo(first);
        // and the jar holds what the directory holds
        try (var zip = new java.util.zip.ZipFile(tmp.resolve("3.jar").toFile())) {
            assertThat(zip.stream().map(java.util.zip.ZipEntry::getName)).containsExactly("a/", "a/b/", "a/b/C.class", "r.txt");
        }
    }

    @Test
    void launchesAreValidated() {
        assertThatThrownBy(() -> new AgentLaunch(List.of(), "a.B", List.of(), List.of(), Map.of(), l -> { }))
                .hasMessageContaining("class path is empty");
        assertThatThrownBy(() -> new AgentLaunch(List.of(Path.of("/x")), "a.B; rm", List.of(), List.of(), Map.of(), l -> { }))
                .hasMessageContaining("is not a main class name");
        assertThatThrownBy(() -> new AgentLaunch(List.of(Path.of("/x")), "a.B", List.of(), List.of(), Map.of("A=B", "c"),
                l -> { })).hasMessageContaining("is not an environment variable name");
        assertThatThrownBy(() -> new AgentLaunch(List.of(Path.of("/x")), "a.B", List.of(), List.of(), Map.of("A", "b\nC=d"),
                l -> { })).hasMessageContaining("A contains a newline");
        assertThatThrownBy(() -> ClassPathUpload.prepare(List.of(Path.of("/no/such/entry.jar"))))
                .hasMessageContaining("/no/such/entry.jar does not exist");
        assertThat(AgentLaunch.ownClassPath()).isNotEmpty().allSatisfy(p -> assertThat(p).exists());
    }
}
