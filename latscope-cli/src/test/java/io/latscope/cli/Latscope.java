package io.latscope.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The launcher the build installs (target/latscope), run as a process. */
final class Latscope {
    static final Path LAUNCHER = Path.of(System.getProperty("latscope.launcher", "target/latscope"));

    record Result(int exit, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private Latscope() {
    }

    static Result run(String... args) throws Exception {
        return run(Map.of(), Duration.ofSeconds(60), args);
    }

    static Result run(Map<String, String> env, Duration timeout, String... args) throws Exception {
        Process p = start(env, args);
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("latscope " + String.join(" ", args) + " did not end within " + timeout + "; stderr: "
                    + err.getNow("?"));
        }
        return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    static Process start(Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(LAUNCHER.toAbsolutePath().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        // the start-up cache's training would run before the command the test means (StartupCacheTest has it)
        pb.environment().put("LATSCOPE_AOT", "off");
        pb.environment().putAll(env);
        return pb.start();
    }

    static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                f.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.completeExceptionally(e);
            }
        });
        return f;
    }
}
