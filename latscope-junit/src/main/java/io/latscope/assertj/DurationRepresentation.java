package io.latscope.assertj;

import io.latscope.Durations;
import org.assertj.core.presentation.StandardRepresentation;

import java.time.Duration;

/** Shows durations as LatScope's tables do ("312.45 µs"), not as ISO-8601 ("PT0.00031245S"). */
final class DurationRepresentation extends StandardRepresentation {
    static final DurationRepresentation INSTANCE = new DurationRepresentation();

    @Override
    public String toStringOf(Object o) {
        return o instanceof Duration d ? Durations.format(d.toNanos()) : super.toStringOf(o);
    }
}
