/**
 * LatScope in tests: a JUnit 5 extension that starts sessions and checks latency budgets
 * per hop ({@code io.latscope.junit}), and AssertJ assertions on latency reports
 * ({@code io.latscope.assertj}; AssertJ is an optional dependency).
 */
module io.latscope.junit {
    requires transitive io.latscope.api;
    requires transitive org.junit.jupiter.api;
    requires static transitive org.assertj.core;

    exports io.latscope.junit;
    exports io.latscope.assertj;
}
