package io.latscope.bench;

import io.latscope.bpf.BpfObject;
import io.latscope.bpf.BpfProgram;
import io.latscope.bpf.RingBuffer;
import io.latscope.testbed.Cmd;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Ring-buffer drain rate: LatScope's Java consumer (reads the mmap'ed ring directly) vs a
 * C consumer using libbpf's ring_buffer__consume (a callback per record). Same producer
 * (ringbench.bpf.o's burst program, filling the ring with 64-byte records through
 * BPF_PROG_TEST_RUN), same ring size, same work per record (sum the first 8 bytes);
 * only the draining is timed. Rounds of the two alternate.
 *
 * Usage: RingDrainBench PATH_TO_RINGDRAIN_BINARY
 */
public final class RingDrainBench {
    static final int RING = 16 << 20;
    static final int PER_ROUND = 200_000; // 200k x 72 B = 14.4 MB: fits a 16 MiB ring
    static final int ROUNDS = 20;

    private RingDrainBench() {
    }

    public static void main(String[] args) throws IOException {
        Path cBinary = Path.of(args[0]);
        Path obj = extractObject();
        for (int w = 0; w < 3; w++) {
            javaRate(); // JIT warm-up: the C side is compiled ahead of time
        }
        double[] java = new double[5];
        double[] c = new double[5];
        for (int i = 0; i < java.length; i++) {
            java[i] = javaRate();
            c[i] = cRate(cBinary, obj);
        }
        Bench.header("Ring-buffer drain rate (64-byte records, 16 MiB ring)");
        System.out.println("| consumer | records/s (median of 5 runs of " + ROUNDS + " x " + PER_ROUND + ") |");
        System.out.println("|---|---|");
        System.out.println(Bench.fmt("| Java, mmap'ed ring via MemorySegment | %.1f M |", Bench.median(java) / 1e6));
        System.out.println(Bench.fmt("| C, libbpf ring_buffer__consume | %.1f M |", Bench.median(c) / 1e6));
        System.out.println(Bench.fmt("%nratio Java / C = %.2f", Bench.median(java) / Bench.median(c)));
    }

    static double javaRate() {
        try (BpfObject o = io.latscope.testbed.TestObjects.open("ringbench")) {
            o.map("records").setMaxEntries(RING);
            o.load();
            BpfProgram burst = o.program("burst");
            long[] sum = {0};
            long count = 0;
            long spent = 0;
            try (RingBuffer ring = RingBuffer.open(o.map("records"))) {
                for (int r = 0; r < ROUNDS; r++) {
                    burst.testRunRawTracepoint(PER_ROUND, 64, (long) r * PER_ROUND);
                    long t0 = System.nanoTime();
                    count += ring.drain((seg, off, len) -> sum[0] += seg.get(ValueLayout.JAVA_LONG_UNALIGNED, off));
                    spent += System.nanoTime() - t0;
                }
            }
            check(count, sum[0]);
            return count * 1e9 / spent;
        }
    }

    static double cRate(Path binary, Path obj) {
        String out = Cmd.run(List.of(binary.toString(), obj.toString(), Integer.toString(ROUNDS),
                Integer.toString(PER_ROUND), Integer.toString(RING))).strip();
        String[] f = out.split(" ");
        long count = Long.parseLong(f[0]);
        check(count, Long.parseUnsignedLong(f[2]));
        return count * 1e9 / Long.parseLong(f[1]);
    }

    private static void check(long count, long sum) {
        long n = (long) ROUNDS * PER_ROUND;
        if (count != n || sum != n * (n - 1) / 2) {
            throw new IllegalStateException("lost or corrupt records: " + count + " of " + n);
        }
    }

    /** The C consumer opens the same object from a file (and sets the same ring size). */
    private static Path extractObject() throws IOException {
        Path p = Files.createTempFile("ringbench", ".bpf.o");
        p.toFile().deleteOnExit();
        try (InputStream in = io.latscope.testbed.TestObjects.class.getResourceAsStream("ringbench.bpf.o")) {
            Files.write(p, in.readAllBytes());
        }
        return p;
    }
}
