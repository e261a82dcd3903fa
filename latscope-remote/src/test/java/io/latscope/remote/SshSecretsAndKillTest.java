package io.latscope.remote;

import io.latscope.RedisSpec;
import io.latscope.testbed.Cmd;
import io.latscope.testbed.KernelTest;
import io.latscope.testbed.SshTestHosts;
import io.latscope.testbed.SshTestHosts.HostSpec;
import io.latscope.testbed.TestNetwork;
import io.latscope.testbed.TestRedis;
import io.latscope.transport.ControllerReader;
import io.latscope.transport.RedisEndpoint;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real session on two SSH hosts (one logged in as root, one through sudo), started by a
 * controller JVM of its own that has the Redis password in its environment and syncs clocks
 * with a session key: no agent process — sudo included — shows either secret in
 * {@code /proc/<pid>/cmdline} or {@code /proc/<pid>/environ}; every Redis key of the session
 * has a time to live. Then the controller is killed with SIGKILL: the agents exit within
 * 2 s, and the keys are gone within their time to live.
 */
@KernelTest
class SshSecretsAndKillTest {

    @Test
    void noSecretOnAnAgentsCommandLineOrEnvironmentAndNothingLeftAfterKill9() throws Exception {
        String password = "redis-pw-" + System.nanoTime();
        try (TestNetwork net = TestNetwork.create();
             SshTestHosts ssh = SshTestHosts.start(net, null, List.of(new HostSpec("h1", "10.90.0.1/24"),
                     new HostSpec("h2", "10.90.0.2/24").withPasswordlessSudo()))) {
            String me = net.rootPort("10.90.0.254/24", ssh.bridge());
            try (TestRedis redis = TestRedis.start("10.90.0.254", 26393, password)) {
                runAndKill(ssh, me, redis, password);
            }
        }
    }

    private static void runAndKill(SshTestHosts ssh, String me, TestRedis redis, String password) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                SshSessionControllerMain.class.getName(), redis.url(), me, "10.90.0.254"));
        for (String h : List.of("h1", "h2")) {
            SshTestHosts.Endpoint e = ssh.host(h);
            boolean sudo = h.equals("h2");
            cmd.add(String.join(",", h, e.address(), String.valueOf(e.port()), sudo ? SshTestHosts.TEST_USER : e.user(),
                    String.valueOf(sudo), e.privateKey().toString(), e.knownHosts().toString(), "e" + h));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put(RedisSpec.PASSWORD_ENV, password); // the controller's own environment has it
        Process controller = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(controller.getInputStream(), StandardCharsets.UTF_8));
            String ready = CompletableFuture.supplyAsync(() -> readyLine(out)).get(120, TimeUnit.SECONDS);
            assertThat(ready).as("controller output").startsWith("ready ");
            String[] words = ready.split(" ");
            String session = words[1];
            String syncKey = words[2];
            List<Long> agents = agentPids(session);
            // per host the java process; on h2 also sudo, which runs it
            assertThat(agents).as("agent processes").hasSizeGreaterThanOrEqualTo(3);
            for (long pid : agents) {
                String cmdline = proc(pid, "cmdline");
                String environ = proc(pid, "environ");
                System.out.println("agent pid " + pid + ": " + cmdline);
                assertThat(cmdline).as("cmdline of %d", pid).contains("latscope.session=" + session);
                for (String secret : List.of(password, syncKey, "redisPassword", "sync.key", RedisSpec.PASSWORD_ENV)) {
                    assertThat(cmdline).as("cmdline of %d", pid).doesNotContain(secret);
                    assertThat(environ).as("environ of %d", pid).doesNotContain(secret);
                }
            }
            RedisEndpoint ep = RedisEndpoint.parse(redis.url(), password);
            try (Jedis j = ep.connect(Duration.ofSeconds(2))) {
                Set<String> keys = j.keys("latscope:" + session + ":*");
                assertThat(keys).as("session keys").hasSize(4); // records, alive, ack:h1, ack:h2
                for (String k : keys) {
                    assertThat(j.pttl(k)).as("TTL of %s", k).isPositive().isLessThanOrEqualTo(ControllerReader.KEY_TTL_MS);
                }
                controller.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
                long t0 = System.nanoTime();
                controller.waitFor();
                while (!agentPids(session).isEmpty() && System.nanoTime() - t0 < 15_000_000_000L) {
                    Thread.sleep(20);
                }
                long agentsGoneMs = (System.nanoTime() - t0) / 1_000_000;
                while (!j.keys("latscope:" + session + ":*").isEmpty() && System.nanoTime() - t0 < 30_000_000_000L) {
                    Thread.sleep(100);
                }
                long keysGoneMs = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("after kill -9 of the controller: agents gone in %d ms, session keys in %d ms (TTL %d ms)%n",
                        agentsGoneMs, keysGoneMs, ControllerReader.KEY_TTL_MS);
                assertThat(agentPids(session)).as("agents still running %d ms after kill -9", agentsGoneMs).isEmpty();
                // measured 0.6-1.2 s on the 2-core VM with other suites running: stdin EOF, detach, exit
                assertThat(agentsGoneMs).as("agents gone after kill -9 (ms)").isLessThan(2000);
                assertThat(j.keys("latscope:" + session + ":*")).as("keys left").isEmpty();
                // 100 ms for the expiry sweep after the last refresh
                assertThat(keysGoneMs).isLessThanOrEqualTo(ControllerReader.KEY_TTL_MS + 1000);
            }
            String progs = Cmd.run("bpftool", "-j", "prog", "show");
            for (long pid : agents) {
                assertThat(progs).doesNotContain("\"pid\":" + pid + ",");
            }
            for (String h : List.of("h1", "h2")) {
                assertThat(SshTestSupport.onlySshdLeft(ssh, h)).as(h).isTrue();
            }
        } finally {
            controller.destroyForcibly();
        }
    }

    private static String readyLine(BufferedReader out) {
        try {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("ready ")) {
                    return line;
                }
                System.out.println("controller: " + line);
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /** A /proc file of a process with NULs as spaces; empty when the process is gone. */
    private static String proc(long pid, String file) throws IOException {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), file)), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (java.nio.file.NoSuchFileException e) {
            return "";
        }
    }

    /** PIDs of a session's agent processes (by the -Dlatscope.session= argument), not this test's pgrep. */
    private static List<Long> agentPids(String session) {
        Cmd.Result r = Cmd.exec(List.of("pgrep", "-f", "latscope.session=" + session));
        return r.stdout().lines().map(String::strip).filter(l -> !l.isEmpty()).map(Long::parseLong).toList();
    }
}
