package io.latscope.agent;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ResidentMemoryTest {
    /**
     * How far two reads of a waiting process's resident size, one after the other, may differ:
     * perl may still fault in a page or two after it printed "up" (it sets up its read of
     * stdin then; a CI run saw 4947968 and then 4956160 bytes), and statm reads the kernel's
     * per-CPU counters without summing them (Linux 6.2+), which fold in by batches.
     */
    private static final org.assertj.core.data.Offset<Long> COUNTER_SLACK = org.assertj.core.data.Offset.offset(4L << 20);
    @Test
    void readsAProcessesResidentPagesAgainFromTheOpenFile() throws Exception {
        // a process that touches 64 MiB after the first read: the second read, through the
        // same open file, must see it
        // (perl: Debian's perl-base is essential, on every machine). The size comes from stdin,
        // so perl cannot fold the string into a constant that is resident before the first read.
        Process p = new ProcessBuilder("perl", "-e",
                "$| = 1; print \"up\\n\"; my $mib = <STDIN>; my $b = 'a' x ($mib << 20); print \"grown\\n\"; sleep 60")
                .start();
        try (ResidentMemory m = new ResidentMemory();
             var out = p.inputReader(StandardCharsets.US_ASCII); var in = p.outputWriter(StandardCharsets.US_ASCII)) {
            assertThat(out.readLine()).isEqualTo("up");
            long before = m.bytes(p.pid());
            assertThat(before).isCloseTo(statmResident(p.pid()), COUNTER_SLACK);
            in.write("64\n");
            in.flush();
            assertThat(out.readLine()).isEqualTo("grown");
            long after = m.bytes(p.pid());
            assertThat(after - before).isGreaterThanOrEqualTo(60L << 20);
            assertThat(m.openFiles()).isEqualTo(1);

            p.destroyForcibly();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(m.bytes(p.pid())).as("an exited process").isEqualTo(-1);
            assertThat(m.openFiles()).as("its file closed").isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void keepsAtMostItsLimitOpenAndOnlyTheProcessesItIsToldTo() throws Exception {
        long self = ProcessHandle.current().pid();
        // a process that has finished starting (a freshly started one's memory still moves)
        Process p = new ProcessBuilder("perl", "-e", "$| = 1; print \"up\\n\"; <STDIN>").start();
        try (ResidentMemory m = new ResidentMemory(1);
             var out = p.inputReader(StandardCharsets.US_ASCII)) {
            assertThat(out.readLine()).isEqualTo("up");
            assertThat(m.bytes(self)).isCloseTo(statmResident(self), org.assertj.core.data.Offset.offset(16L << 20));
            assertThat(m.bytes(p.pid())).isCloseTo(statmResident(p.pid()), COUNTER_SLACK);
            assertThat(m.openFiles()).as("the second read by path, its file closed").isEqualTo(1);
            m.retainOnly(java.util.Set.of(p.pid()));
            assertThat(m.openFiles()).isZero();
            assertThat(m.bytes(p.pid())).isPositive();
            assertThat(m.openFiles()).isEqualTo(1);
            m.close();
            assertThat(m.openFiles()).isZero();
            assertThat(m.bytes(p.pid())).as("read after close").isPositive();
            assertThat(m.openFiles()).as("but not kept open").isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aProcessThatDoesNotExistIsMinusOne() {
        try (ResidentMemory m = new ResidentMemory()) {
            assertThat(m.bytes(Integer.MAX_VALUE)).isEqualTo(-1);
            assertThat(m.openFiles()).isZero();
        }
    }

    @Test
    void parsesTheSecondFieldOnly() {
        assertThat(parse("2741 1022 532 5 0 316 0\n")).isEqualTo(1022);
        assertThat(parse("0 0 0 0 0 0 0\n")).isZero();
        assertThat(parse("2741")).isEqualTo(-1);
        assertThat(parse("2741 x")).isEqualTo(-1);
    }

    private static long parse(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return ResidentMemory.secondField(ByteBuffer.wrap(b), b.length);
    }

    private static long statmResident(long pid) throws Exception {
        String[] f = Files.readString(Path.of("/proc", Long.toString(pid), "statm")).strip().split(" ");
        return Long.parseLong(f[1]) * 4096;
    }
}
