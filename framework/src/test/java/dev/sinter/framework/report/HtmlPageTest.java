package dev.sinter.framework.report;

import static dev.sinter.framework.report.HtmlPage.link;
import static dev.sinter.framework.report.HtmlPage.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlPageTest {
    @Test
    void escapeReplacesMarkupCharacters() {
        assertEquals("a &lt;b&gt; &amp;amp; &quot;c&quot; 'd'", HtmlPage.escape("a <b> &amp; \"c\" 'd'"));
        assertEquals("plain", HtmlPage.escape("plain"));
    }

    @Test
    void everyTextAndAttributeIsEscaped() {
        String evil = "<script>x&\"y\"</script>";
        String html = new HtmlPage(evil).title(evil).heading(evil).paragraph(evil).highlighted(evil)
                .preformatted(evil).paragraph(text(evil), link(evil, evil)).image(evil, evil)
                .table(List.of(evil), List.of(List.of(evil))).keyValues(Map.of(evil, evil))
                .table(List.of(Map.of(evil, evil)), String::valueOf).render();
        assertFalse(html.contains("<script>"), html);
        assertFalse(html.contains("\"y\""), html);
        String escaped = HtmlPage.escape(evil);
        // title, h1, h2, p, highlighted p, pre, text, href, link text, src, alt, th, td, th, td, th, td
        assertEquals(17, occurrences(html, escaped), html);
    }

    @Test
    void blocksAppearInOrderInsideOneDocument() {
        String html = new HtmlPage("Report").title("Run a").heading("Loss").image("loss.png", "loss curves")
                .paragraph(text("Same figures: "), link("report.json", "report.json"), text("."))
                .highlighted("verdict").preformatted("line 1\nline 2").render();
        assertTrue(html.startsWith("<!doctype html><html><head><meta charset=\"utf-8\"><title>Report</title><style>"),
                html);
        assertTrue(html.endsWith("</body></html>\n"), html);
        String body = html.substring(html.indexOf("<body>") + 6, html.indexOf("</body>"));
        assertEquals("<h1>Run a</h1><h2>Loss</h2><img src=\"loss.png\" alt=\"loss curves\">"
                + "<p>Same figures: <a href=\"report.json\">report.json</a>.</p><p class=\"highlight\">verdict</p>"
                + "<pre>line 1\nline 2</pre>", body);
    }

    @Test
    void tablesHaveAHeaderRowAndOneRowPerEntry() {
        List<List<Object>> rows = List.of(Arrays.asList("a", 1, null), List.of("b", 2.5, "x"));
        String html = new HtmlPage("t").table(List.of("name", "n", "note"), rows).render();
        assertTrue(html.contains("<table><tr><th>name</th><th>n</th><th>note</th></tr>"
                + "<tr><td>a</td><td>1</td><td></td></tr><tr><td>b</td><td>2.5</td><td>x</td></tr></table>"), html);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new HtmlPage("t").table(List.of("a", "b"), List.of(List.of("only one"))));
        assertTrue(e.getMessage().contains("1 cells") && e.getMessage().contains("2 columns"), e.getMessage());
    }

    @Test
    void recordTablesTakeColumnsInFirstSeenOrderAndFormatValues() {
        Map<String, Object> first = new LinkedHashMap<>();
        first.put("layer", 0);
        first.put("max", 1.23456789);
        Map<String, Object> second = new LinkedHashMap<>();
        second.put("layer", 1);
        second.put("note", "dense");
        List<Map<String, Object>> rows = new ArrayList<>(List.of(first, second));
        String html = new HtmlPage("t").table(rows, o -> o instanceof Double d ? String.format("%.2f", d) : "" + o)
                .render();
        assertTrue(html.contains("<tr><th>layer</th><th>max</th><th>note</th></tr>"
                + "<tr><td>0</td><td>1.23</td><td></td></tr><tr><td>1</td><td></td><td>dense</td></tr>"), html);
        assertFalse(new HtmlPage("t").table(List.<Map<String, Object>>of(), String::valueOf).render()
                .contains("<table>"), "no rows, no table");
    }

    @Test
    void keyValuesPutEachKeyInARowHeading() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("steps", 3);
        m.put("loss", null);
        assertTrue(new HtmlPage("t").keyValues(m).render()
                .contains("<table><tr><th>steps</th><td>3</td></tr><tr><th>loss</th><td></td></tr></table>"));
    }

    @Test
    void writeStoresTheRenderedPage(@TempDir Path dir) throws IOException {
        HtmlPage page = new HtmlPage("é & ü").paragraph("naïve");
        Path file = page.write(dir.resolve("p.html"));
        assertEquals(page.render(), Files.readString(file));
    }

    private static int occurrences(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
