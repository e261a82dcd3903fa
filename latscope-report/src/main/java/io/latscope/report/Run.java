package io.latscope.report;

import io.latscope.LatencyReport;

import java.util.List;

/**
 * A finished run as the HTML report shows it: the whole session and its intervals.
 *
 * @param title     a name for people (the label, the directory, the session id)
 * @param total     the whole session (cumulative)
 * @param intervals each interval, in time order (may be empty)
 */
public record Run(String title, LatencyReport total, List<IntervalSummary> intervals) {
    /** Copies the list. */
    public Run {
        intervals = List.copyOf(intervals);
    }
}
