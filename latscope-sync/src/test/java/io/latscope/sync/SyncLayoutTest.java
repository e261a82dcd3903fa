package io.latscope.sync;

import io.latscope.sync.layout.SyncH;
import io.latscope.sync.layout.sync_probe;
import io.latscope.sync.layout.sync_sample;
import io.latscope.testbed.LayoutCheck;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The Java side of sync.h (io.latscope.sync.layout) against the header, as sync.bpf.o is compiled. */
class SyncLayoutTest {

    @Test
    void theGeneratedLayoutsAndConstantsAreTheHeaders() {
        LayoutCheck check = LayoutCheck.of("sync.h").struct(sync_probe.layout()).struct(sync_sample.layout())
                .constants(SyncH.class);
        assertThat(check.size()).isGreaterThan(50);
        check.check();
    }
}
