package io.latscope.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * One self-contained HTML file per run: the charting library (Apache ECharts, from its
 * webjar), the page's script and the run's numbers are all inside it, so it opens offline
 * and can be mailed. Charts: END_TO_END decomposed into hops per direction at p50 and p99;
 * each hop's percentile distribution on HdrHistogram's 1/(1-p) axis; p50 and p99 per hop
 * over time; each host's clock offset and error bound over time; throughput and loss per
 * flow; CPU and memory per process; the data-quality figures; and, comparing two runs, the
 * change of p50 and p99 per hop. Every chart can be saved as SVG and PNG from the page.
 */
public final class HtmlReport {
    private static final String ECHARTS = echartsPath();

    private HtmlReport() {
    }

    /**
     * Renders a run as one self-contained HTML page (charts and their library inlined).
     *
     * @param run the run
     * @return its report as HTML
     */
    public static String render(Run run) {
        return page(run.title(), Json.of(ReportData.of(run, null)));
    }

    /**
     * Two runs: the candidate's charts, and per hop how its p50 and p99 moved from the baseline.
     *
     * @param baseline  the run compared against
     * @param candidate the run shown
     * @return the report as HTML
     */
    public static String compare(Run baseline, Run candidate) {
        return page(baseline.title() + " vs " + candidate.title(), Json.of(ReportData.of(candidate, baseline)));
    }

    /**
     * Writes {@link #render(Run)} to a file.
     *
     * @param run  the run
     * @param file where
     */
    public static void write(Run run, Path file) {
        write(render(run), file);
    }

    /**
     * Writes a rendered page.
     *
     * @param html the page
     * @param file where
     */
    public static void write(String html, Path file) {
        try {
            Files.writeString(file, html, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file, e);
        }
    }

    private static String page(String title, String dataJson) {
        String template = resource("io/latscope/report/report.html");
        return template.replace("{{title}}", escape(title))
                .replace("{{css}}", resource("io/latscope/report/report.css"))
                .replace("{{echarts}}", resource(ECHARTS).replace("</script", "<\\/script"))
                .replace("{{data}}", dataJson)
                .replace("{{script}}", resource("io/latscope/report/report.js"));
    }

    private static String echartsPath() {
        Properties p = new Properties();
        try (InputStream in = stream("io/latscope/report/echarts.properties")) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return "META-INF/resources/webjars/echarts/" + p.getProperty("version") + "/dist/echarts.min.js";
    }

    private static InputStream stream(String name) {
        InputStream in = HtmlReport.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("LatScope's report resource " + name + " is missing from the class path"
                    + " (the echarts webjar, org.webjars.npm:echarts, is a dependency of latscope-report)");
        }
        return in;
    }

    private static String resource(String name) {
        try (InputStream in = stream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + name, e);
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
