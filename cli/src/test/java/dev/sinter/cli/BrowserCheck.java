package dev.sinter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Renders a report page in headless Chromium (Debian package {@code chromium}) and checks what a reader sees: a copy
 * of the page with a magenta outline around every image is screenshot, the outlines locate the images, and inside each
 * the saturated pixels are counted. XChart draws axes, grid and text in grey and data in colour, so a plot that failed
 * to load (a broken-image icon), or drew no data, has no or almost no coloured pixels.
 */
final class BrowserCheck {
    /** The outline injected around every image (pure magenta, which XChart does not draw), apart by a margin. */
    private static final String OUTLINE = "<style>img{outline:3px solid #ff00ff !important;outline-offset:0;"
            + "margin:8px}</style>";
    private static final Pattern IMG = Pattern.compile("<img\\b");
    /** Saturated pixels a drawn plot has at least (a line series alone gives thousands). */
    static final int MIN_COLOURED = 200;

    private BrowserCheck() {
    }

    /** One image as rendered: its box in the screenshot and how many saturated pixels it holds. */
    record Figure(int x, int y, int width, int height, long coloured) {
    }

    /** The Chromium binary on the PATH, if any. */
    static Optional<Path> chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** Screenshots {@code page} (outlined copy beside it, removed after) and returns its images as rendered. */
    static List<Figure> render(Path page, Path screenshot) throws IOException, InterruptedException {
        Path browser = chromium().orElseThrow(() -> new IllegalStateException("chromium is not installed"
                + " (apt-get install -y chromium)"));
        String html = Files.readString(page);
        Path copy = page.resolveSibling(".browser-check-" + page.getFileName());
        Files.writeString(copy, html.replace("</head>", OUTLINE + "</head>"));
        try {
            Process p = new ProcessBuilder(browser.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1100,9000",
                    "--screenshot=" + screenshot.toAbsolutePath(), copy.toAbsolutePath().toUri().toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("chromium did not finish within 120 s on " + page);
            }
        } finally {
            Files.deleteIfExists(copy);
        }
        return figures(ImageIO.read(screenshot.toFile()));
    }

    /** Asserts every image of {@code page} is displayed at least 150 × 100 pixels and holds a drawn plot. */
    static void assertPlotsDrawn(Path page, Path screenshot) throws IOException, InterruptedException {
        long images = IMG.matcher(Files.readString(page)).results().count();
        List<Figure> figures = render(page, screenshot);
        assertEquals(images, figures.size(), page + ": " + images + " <img> but " + figures.size()
                + " rendered figures " + figures + " (screenshot " + screenshot + ")");
        for (Figure f : figures) {
            assertTrue(f.width() >= 150 && f.height() >= 100, page + ": figure too small " + f);
            assertTrue(f.coloured() >= MIN_COLOURED, page + ": figure without data " + f + " (screenshot "
                    + screenshot + ")");
        }
    }

    /** The magenta rings (4-connected components at least 50 × 50) and the saturated pixels inside each. */
    static List<Figure> figures(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        boolean[] ring = new boolean[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                ring[y * w + x] = magenta(img.getRGB(x, y));
            }
        }
        boolean[] seen = new boolean[w * h];
        List<Figure> out = new ArrayList<>();
        for (int start = 0; start < w * h; start++) {
            if (!ring[start] || seen[start]) {
                continue;
            }
            int x0 = w;
            int y0 = h;
            int x1 = -1;
            int y1 = -1;
            Deque<Integer> todo = new ArrayDeque<>(List.of(start));
            seen[start] = true;
            while (!todo.isEmpty()) {
                int i = todo.pop();
                int x = i % w;
                int y = i / w;
                x0 = Math.min(x0, x);
                y0 = Math.min(y0, y);
                x1 = Math.max(x1, x);
                y1 = Math.max(y1, y);
                for (int n : new int[]{x > 0 ? i - 1 : -1, x + 1 < w ? i + 1 : -1, i - w, i + w}) {
                    if (n >= 0 && n < w * h && ring[n] && !seen[n]) {
                        seen[n] = true;
                        todo.push(n);
                    }
                }
            }
            if (x1 - x0 >= 50 && y1 - y0 >= 50) {
                long coloured = 0;
                for (int y = y0 + 4; y <= y1 - 4; y++) {
                    for (int x = x0 + 4; x <= x1 - 4; x++) {
                        coloured += saturated(img.getRGB(x, y)) ? 1 : 0;
                    }
                }
                out.add(new Figure(x0, y0, x1 - x0 + 1, y1 - y0 + 1, coloured));
            }
        }
        return out;
    }

    private static boolean magenta(int rgb) {
        int r = rgb >> 16 & 0xff;
        int g = rgb >> 8 & 0xff;
        int b = rgb & 0xff;
        return r >= 245 && b >= 245 && g <= 10;
    }

    private static boolean saturated(int rgb) {
        int r = rgb >> 16 & 0xff;
        int g = rgb >> 8 & 0xff;
        int b = rgb & 0xff;
        return !magenta(rgb) && Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 80;
    }

    /** Every {@code .html} page under {@code dir}, sorted. */
    static List<Path> pages(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".html") && !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
    }
}
