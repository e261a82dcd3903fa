package io.latscope.agent;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Session ids from the kernel's random source are random (version 4, IETF variant) UUIDs. */
class SessionIdTest {
    @Test
    void idsAreVersionFourUuidsThatDoNotRepeat() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = LocalSession.newId();
            UUID u = UUID.fromString(id);
            assertThat(u.version()).as(id).isEqualTo(4);
            assertThat(u.variant()).as(id).isEqualTo(2);
            assertThat(u.toString()).isEqualTo(id);
            assertThat(seen.add(id)).as("repeated " + id).isTrue();
        }
    }
}
