package io.latscope.store.mysql;

import java.util.List;

/**
 * The rows of what one write call handed over, kept together so it is buffered, spilled and
 * written as a unit. {@code items} is what it counts for in the store's health: 1 for a
 * session start or end or an interval, one per marker record.
 */
record RowSet(int items, List<Row> rows, long estimatedBytes) {
    static RowSet of(int items, List<Row> rows) {
        long bytes = 48;
        for (Row r : rows) {
            bytes += r.estimatedBytes();
        }
        return new RowSet(items, List.copyOf(rows), bytes);
    }
}
