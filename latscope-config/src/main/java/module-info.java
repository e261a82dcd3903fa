/**
 * A session's spec from and to YAML: one file in LatScope's own shape, or a directory in the
 * original LatScope's {@code conf/} shape (connect_info.yaml, sampling_info.yaml, …). Errors
 * name the file, line and column, and the valid choices; secrets are never read from YAML.
 */
module io.latscope.config {
    requires transitive io.latscope.api;
    requires org.snakeyaml.engine.v2;

    exports io.latscope.config;
}
