package io.latscope.testbed;

import io.latscope.bpf.NetNs;
import io.latscope.error.LatScopeException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Message traffic between namespaces from a small C program ({@code tcpstamp.c}, compiled
 * with gcc on first use): its CLOCK_MONOTONIC stamps sit right at the write() and read()
 * system calls, so they are the tightest ground truth for END_TO_END that an application
 * can give. Both ends run at real-time priority (chrt). ({@link TcpTraffic} does the same
 * from Java, with the JVM's own microseconds between its stamps and the kernel.)
 */
public final class NativeTraffic {
    private static Path binary;

    private NativeTraffic() {
    }

    /**
     * Like {@link TcpTraffic#messages}: {@code count} messages of {@code size} bytes from
     * {@code client} to {@code server} at {@code address:port}, {@code interval} apart,
     * the receiver sleeping {@code readDelay} before each read.
     */
    public static TcpTraffic.FlowResult messages(NetNs client, NetNs server, String address, int port, int size,
                                                 int count, Duration interval, Duration readDelay) {
        Path bin = binary();
        Process srv = start(server, bin, "server", address, port, count, size, readDelay.toNanos() / 1000);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(srv.getInputStream(), StandardCharsets.US_ASCII));
            String first = out.readLine();
            if (!"listening".equals(first)) {
                throw new LatScopeException("tcpstamp server in " + server + " did not start: " + first + " "
                        + stderr(srv));
            }
            long t0 = System.nanoTime();
            Process cli = start(client, bin, "client", address, port, count, size, interval.toNanos() / 1000);
            List<String> lines = new ArrayList<>(count);
            for (String l; (l = out.readLine()) != null; ) {
                lines.add(l);
            }
            String clientOut = new String(cli.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            if (!cli.waitFor(60, TimeUnit.SECONDS) || cli.exitValue() != 0) {
                throw new LatScopeException("tcpstamp client in " + client + " failed: " + stderr(cli));
            }
            if (!srv.waitFor(60, TimeUnit.SECONDS) || srv.exitValue() != 0 || lines.size() != count) {
                throw new LatScopeException("tcpstamp server in " + server + " failed after " + lines.size() + " of "
                        + count + " messages: " + stderr(srv));
            }
            long elapsed = System.nanoTime() - t0;
            long[] lat = new long[count];
            long[] sent = new long[count];
            for (int i = 0; i < count; i++) {
                String[] f = lines.get(i).split(" ");
                sent[i] = Long.parseLong(f[0]);
                lat[i] = Long.parseLong(f[1]) - sent[i];
            }
            return new TcpTraffic.FlowResult(lat, sent, (long) count * size, elapsed, Integer.parseInt(clientOut), port);
        } catch (IOException e) {
            throw new LatScopeException("tcpstamp: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LatScopeException("interrupted", e);
        } finally {
            srv.destroyForcibly();
        }
    }

    static Process start(NetNs ns, Path bin, String mode, String address, int port, int count, int size,
                         long micros) {
        try {
            // Real-time priority keeps the scheduler out from between each stamp and its system
            // call, so the stamps stay next to the kernel's even on a busy machine.
            return new ProcessBuilder("ip", "netns", "exec", ns.name(), "chrt", "--fifo", "10", bin.toString(), mode,
                    address, Integer.toString(port), Integer.toString(count), Integer.toString(size),
                    Long.toString(micros)).start();
        } catch (IOException e) {
            throw new LatScopeException("cannot start tcpstamp in " + ns + ": " + e.getMessage(), e);
        }
    }

    private static String stderr(Process p) {
        try {
            return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Compiles tcpstamp.c once per source version into the temp directory. */
    static synchronized Path binary() {
        if (binary != null) {
            return binary;
        }
        byte[] src;
        try (InputStream in = NativeTraffic.class.getResourceAsStream("tcpstamp.c")) {
            src = in.readAllBytes();
        } catch (IOException | NullPointerException e) {
            throw new LatScopeException("tcpstamp.c is missing from the test bed resources", e);
        }
        try {
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(src)).substring(0, 16);
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), "latscope-testbed");
            Files.createDirectories(dir);
            Path bin = dir.resolve("tcpstamp-" + hash);
            if (!Files.isExecutable(bin)) {
                Path c = dir.resolve("tcpstamp-" + hash + ".c");
                Files.write(c, src);
                Path tmp = dir.resolve("tcpstamp-" + hash + ".tmp" + ProcessHandle.current().pid());
                Cmd.Result r = Cmd.exec(List.of("gcc", "-O2", "-o", tmp.toString(), c.toString()));
                if (r.exit() != 0) {
                    throw new LatScopeException("compiling tcpstamp.c failed (is gcc installed? apt-get install gcc): "
                            + r.stderr());
                }
                Files.move(tmp, bin, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            binary = bin;
            return bin;
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new LatScopeException("preparing tcpstamp: " + e.getMessage(), e);
        }
    }
}
