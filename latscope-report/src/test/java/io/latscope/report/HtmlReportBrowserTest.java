package io.latscope.report;

import io.latscope.report.testing.SampleRuns;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTML report in a real browser (headless Chromium): no console error, no request beyond
 * the file itself, every chart drawn with data, and each chart's SVG and PNG export working.
 * A screenshot, the SVG and the PNG of every chart are kept in target/screenshots.
 */
class HtmlReportBrowserTest {
    private static final Path SHOTS = Path.of(System.getProperty("latscope.screenshots", "target/screenshots"));
    private static final List<String> RUN_CHARTS = List.of("decomposition", "distribution", "p50", "p99", "clocks", "flows",
            "processes", "quality");

    @TempDir
    Path dir;

    @Test
    void everyChartIsDrawnWithoutAnError() throws Exception {
        Run baseline = SampleRuns.record(dir.resolve("baseline"), "baseline", 20, 1, 1.0);
        SampleRuns.record(dir.resolve("candidate"), "candidate", 20, 2, 1.6);
        Run candidate = RunDirectory.read(dir.resolve("candidate")); // as `latscope report DIR` reads it
        Path compare = dir.resolve("compare.html");
        HtmlReport.write(HtmlReport.compare(baseline, candidate), compare);
        Files.createDirectories(SHOTS);
        try (Chromium browser = Chromium.start()) {
            check(browser, dir.resolve("candidate").resolve(RunDirectory.REPORT_HTML), "run", RUN_CHARTS);
            List<String> withCompare = new ArrayList<>(RUN_CHARTS);
            withCompare.add("compare");
            check(browser, compare, "compare", withCompare);
        }
    }

    private static void check(Chromium b, Path html, String name, List<String> expected) throws Exception {
        b.call("Page.enable", null);
        b.call("Runtime.enable", null);
        b.call("Log.enable", null);
        b.call("Network.enable", null);
        JsonObject metrics = new JsonObject();
        metrics.addProperty("width", 1280);
        metrics.addProperty("height", 900);
        metrics.addProperty("deviceScaleFactor", 1);
        metrics.addProperty("mobile", false);
        b.call("Emulation.setDeviceMetricsOverride", metrics);
        int before = b.events().size();
        JsonObject nav = new JsonObject();
        nav.addProperty("url", html.toUri().toString());
        b.call("Page.navigate", nav);
        b.await("window.latscopeReady === true", Duration.ofSeconds(30));
        List<JsonObject> all = b.events(); // one copy: events keep arriving while we look
        List<JsonObject> events = all.subList(before, all.size());

        Set<String> seen = new HashSet<>();
        for (JsonElement e : b.eval("latscopeCharts()").getAsJsonArray()) {
            JsonObject c = e.getAsJsonObject();
            String id = c.get("id").getAsString();
            seen.add(id);
            assertThat(c.get("points").getAsInt()).as(name + " chart " + id + " has data").isPositive();
            Path shot = SHOTS.resolve(name + "-" + id + ".png");
            JsonObject clip = new JsonObject();
            clip.addProperty("x", c.get("x").getAsDouble());
            clip.addProperty("y", c.get("y").getAsDouble());
            clip.addProperty("width", c.get("width").getAsDouble());
            clip.addProperty("height", c.get("height").getAsDouble());
            clip.addProperty("scale", 1);
            JsonObject p = new JsonObject();
            p.addProperty("format", "png");
            p.addProperty("captureBeyondViewport", true);
            p.add("clip", clip);
            byte[] png = Base64.getDecoder().decode(b.call("Page.captureScreenshot", p).get("data").getAsString());
            Files.write(shot, png);
            assertDrawn(shot, png);

            String svg = b.eval("latscopeExport('" + id + "', 'svg')").getAsString();
            assertThat(svg).as(id + " as SVG").startsWith("<svg").contains("<path").endsWith("</svg>");
            Files.writeString(SHOTS.resolve(name + "-" + id + ".export.svg"), svg, StandardCharsets.UTF_8);
            String url = b.eval("latscopeExport('" + id + "', 'png')").getAsString();
            assertThat(url).startsWith("data:image/png;base64,");
            byte[] exported = Base64.getDecoder().decode(url.substring(url.indexOf(',') + 1));
            Path ex = SHOTS.resolve(name + "-" + id + ".export.png");
            Files.write(ex, exported);
            assertDrawn(ex, exported);
        }
        assertThat(seen).as(name + ": charts drawn").containsExactlyInAnyOrderElementsOf(expected);
        // the sample session ends LOST: the quality section says so, as the text report does
        assertThat(b.eval("document.getElementById('section-quality').textContent").getAsString())
                .contains("session health: LOST").contains("server lost 12 records").contains("lost for good");

        List<String> errors = new ArrayList<>();
        List<String> requests = new ArrayList<>();
        for (JsonObject e : events) {
            String method = e.get("method").getAsString();
            JsonObject params = e.getAsJsonObject("params");
            switch (method) {
                case "Runtime.consoleAPICalled" -> {
                    String type = params.get("type").getAsString();
                    if (type.equals("error") || type.equals("assert") || type.equals("warning")) {
                        errors.add("console." + type + ": " + params.get("args"));
                    }
                }
                case "Runtime.exceptionThrown" -> errors.add("exception: " + params.get("exceptionDetails"));
                case "Log.entryAdded" -> {
                    JsonObject entry = params.getAsJsonObject("entry");
                    if (!entry.get("level").getAsString().equals("verbose") && !entry.get("level").getAsString().equals("info")) {
                        errors.add("log " + entry.get("level").getAsString() + ": " + entry.get("text").getAsString());
                    }
                }
                case "Network.requestWillBeSent" -> requests.add(params.getAsJsonObject("request").get("url").getAsString());
                default -> { }
            }
        }
        assertThat(errors).as(name + ": console errors and warnings").isEmpty();
        assertThat(requests).as(name + ": the page loads nothing but itself")
                .allMatch(u -> u.startsWith("file:") || u.startsWith("data:") || u.startsWith("blob:"));
    }

    /** An empty chart is white with an axis or two: a drawn one has many colours and ink across it. */
    private static void assertDrawn(Path file, byte[] png) throws Exception {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(img).as(file + " is a PNG").isNotNull();
        Set<Integer> colours = new HashSet<>();
        long ink = 0;
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                if (rgb != 0xffffff) {
                    ink++;
                }
            }
        }
        long samples = (long) ((img.getHeight() + 1) / 2) * ((img.getWidth() + 1) / 2);
        assertThat(colours.size()).as(file + ": distinct colours").isGreaterThan(20);
        assertThat((double) ink / samples).as(file + ": share of non-white pixels").isGreaterThan(0.01);
    }
}
