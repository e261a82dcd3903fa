package io.latscope.store.mysql;

/**
 * One row for one table, values in the table's column order: Long, Integer, Double (NaN is
 * stored as NULL), Boolean, String, byte[] or null.
 */
record Row(Table table, Object[] values) {
    Row {
        if (values.length != table.width()) {
            throw new IllegalArgumentException(table + " has " + table.width() + " columns, got " + values.length);
        }
    }

    static Row of(Table table, Object... values) {
        return new Row(table, values);
    }

    /** Rough heap size, for the write buffer's memory bound. */
    long estimatedBytes() {
        long n = 32 + 8L * values.length;
        for (Object v : values) {
            n += switch (v) {
                case null -> 0;
                case String s -> 40 + 2L * s.length();
                case byte[] b -> 16 + b.length;
                default -> 16;
            };
        }
        return n;
    }
}
