package dev.sinter.framework.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A small self-contained HTML page (one shared stylesheet, no scripts) built block by block: headings, paragraphs,
 * preformatted text, images, links and tables. Every text and attribute passes through {@link #escape}, so callers
 * never write markup themselves.
 *
 * <pre>{@code
 * new HtmlPage("Sweep").heading("Sweep").image("sweep.png", "loss vs parameters")
 *         .table(List.of("run", "loss"), rows).write(dir.resolve("sweep.html"));
 * }</pre>
 */
public final class HtmlPage {
    /** The stylesheet every page shares: narrow column, compact tables, shaded preformatted and highlighted text. */
    static final String STYLE = "body{font-family:sans-serif;max-width:1000px;margin:2em auto}"
            + "table{border-collapse:collapse;margin:0.5em 0}td,th{padding:2px 8px;text-align:right}th{background:#eee}"
            + "td:first-child,th:first-child{text-align:left}img{max-width:100%}"
            + "pre,.highlight{background:#f4f4f4;padding:8px;white-space:pre-wrap}"
            + ".figures{display:grid;grid-template-columns:1fr 1fr;gap:8px}summary{cursor:pointer;margin:0.5em 0}";

    private final String title;
    private final StringBuilder body = new StringBuilder();

    /** An empty page whose browser title is {@code title}. */
    public HtmlPage(String title) {
        this.title = title;
    }

    /** Inline content of a paragraph, made only by {@link #text} and {@link #link} (so always escaped). */
    public static final class Inline {
        private final String html;

        private Inline(String html) {
            this.html = html;
        }
    }

    /** Plain text inside a paragraph. */
    public static Inline text(String text) {
        return new Inline(escape(text));
    }

    /** A link inside a paragraph. */
    public static Inline link(String href, String text) {
        return new Inline("<a href=\"" + escape(href) + "\">" + escape(text) + "</a>");
    }

    /** The page's main heading ({@code h1}). */
    public HtmlPage title(String text) {
        return element("h1", text);
    }

    /** A section heading ({@code h2}). */
    public HtmlPage heading(String text) {
        return element("h2", text);
    }

    /** A paragraph of plain text. */
    public HtmlPage paragraph(String text) {
        return element("p", text);
    }

    /** A paragraph of text and links. */
    public HtmlPage paragraph(Inline... parts) {
        body.append("<p>").append(Arrays.stream(parts).map(i -> i.html).collect(Collectors.joining())).append("</p>");
        return this;
    }

    /** A paragraph set off on a shaded background (a verdict, a conclusion). */
    public HtmlPage highlighted(String text) {
        body.append("<p class=\"highlight\">").append(escape(text)).append("</p>");
        return this;
    }

    /** Preformatted text (white space and line breaks kept, long lines wrapped). */
    public HtmlPage preformatted(String text) {
        return element("pre", text);
    }

    /** An image, usually a PNG written next to the page ({@code src} relative to it). */
    public HtmlPage image(String src, String alt) {
        body.append("<img src=\"").append(escape(src)).append("\" alt=\"").append(escape(alt)).append("\">");
        return this;
    }

    /** Images side by side, two per row ({@code src} → alt text, in order). */
    public HtmlPage figures(Map<String, String> images) {
        body.append("<div class=\"figures\">");
        images.forEach(this::image);
        body.append("</div>");
        return this;
    }

    /** Preformatted text folded under a one-line summary the reader clicks to open. */
    public HtmlPage folded(String summary, String text) {
        body.append("<details><summary>").append(escape(summary)).append("</summary>");
        element("pre", text);
        body.append("</details>");
        return this;
    }

    /** A table with a header row; each row holds one cell per column, {@code null} cells stay empty. */
    public HtmlPage table(List<String> columns, List<? extends List<?>> rows) {
        body.append("<table><tr>");
        columns.forEach(c -> body.append("<th>").append(escape(c)).append("</th>"));
        body.append("</tr>");
        for (List<?> row : rows) {
            if (row.size() != columns.size()) {
                throw new IllegalArgumentException("table row " + row + " has " + row.size() + " cells but the table has "
                        + columns.size() + " columns " + columns);
            }
            body.append("<tr>");
            row.forEach(cell -> body.append("<td>").append(cell == null ? "" : escape(String.valueOf(cell))).append("</td>"));
            body.append("</tr>");
        }
        body.append("</table>");
        return this;
    }

    /**
     * A table of records: the columns are the keys in first-seen order, each map one row, {@code format} turns a
     * value into its cell text (a missing key leaves the cell empty). No table at all when {@code rows} is empty.
     */
    public HtmlPage table(List<? extends Map<String, ?>> rows, Function<Object, String> format) {
        if (rows.isEmpty()) {
            return this;
        }
        List<String> columns = new ArrayList<>();
        rows.forEach(r -> r.keySet().forEach(k -> {
            if (!columns.contains(k)) {
                columns.add(k);
            }
        }));
        List<List<String>> cells = new ArrayList<>();
        for (Map<String, ?> r : rows) {
            cells.add(columns.stream().map(c -> r.get(c) == null ? "" : format.apply(r.get(c))).toList());
        }
        return table(columns, cells);
    }

    /** A two-column table: each key as a row heading beside its value. */
    public HtmlPage keyValues(Map<String, ?> entries) {
        body.append("<table>");
        entries.forEach((k, v) -> body.append("<tr><th>").append(escape(k)).append("</th><td>")
                .append(v == null ? "" : escape(String.valueOf(v))).append("</td></tr>"));
        body.append("</table>");
        return this;
    }

    /** The whole document. */
    public String render() {
        return "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title><style>" + STYLE
                + "</style></head><body>" + body + "</body></html>\n";
    }

    /** Writes the document to {@code file} (UTF-8) and returns {@code file}. */
    public Path write(Path file) throws IOException {
        Files.writeString(file, render());
        return file;
    }

    /** {@code text} with {@code & < > "} replaced by entities, safe in element content and quoted attributes. */
    public static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private HtmlPage element(String tag, String text) {
        body.append('<').append(tag).append('>').append(escape(text)).append("</").append(tag).append('>');
        return this;
    }
}
