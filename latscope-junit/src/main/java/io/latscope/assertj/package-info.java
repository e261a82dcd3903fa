/**
 * AssertJ assertions on LatScope reports, entered through
 * {@link io.latscope.assertj.LatScopeAssertions#assertThat(io.latscope.LatencyReport)}: a hop's
 * percentiles against durations, the report's data quality, and regressions against a
 * baseline report. A percentile is judged only when the data can tell; otherwise the
 * assertion fails saying why. AssertJ is an optional dependency of latscope-junit.
 */
package io.latscope.assertj;
