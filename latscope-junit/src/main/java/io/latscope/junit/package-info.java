/**
 * LatScope in JUnit 5 tests: {@link io.latscope.junit.LatScopeTest @LatScopeTest} starts the
 * sessions its {@link io.latscope.junit.Session @Session} members describe,
 * {@link io.latscope.junit.LatencyBudget @LatencyBudget} fails a test whose hop was too slow
 * (or whose data could not tell), and {@link io.latscope.junit.RequiresBpf @RequiresBpf} fails
 * a test that cannot measure here rather than letting it pass unmeasured (docs/harnesses.md).
 */
package io.latscope.junit;
